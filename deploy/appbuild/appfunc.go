package appbuild

import "go/ast"

// isAppFunc reports whether d is `func App() *<pkg>.App` with no receiver,
// no parameters and one result.
func isAppFunc(d ast.Decl) bool {
	fn, ok := d.(*ast.FuncDecl)
	if !ok || fn.Recv != nil || fn.Name.Name != "App" {
		return false
	}
	t := fn.Type
	if t.Params != nil && len(t.Params.List) > 0 {
		return false
	}
	if t.Results == nil || len(t.Results.List) != 1 {
		return false
	}
	star, ok := t.Results.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "App"
}
