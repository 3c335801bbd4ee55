package azurefunc

import (
	"fmt"
	"regexp"
	"strings"
)

// functionNameRE is the Functions host's rule for function (folder) names
// (FunctionMetadataManager: letters, digits, '_' and '-', starting with a
// letter, at most 128 characters).
var functionNameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_\-]{0,127}$`)

// CheckFunctionName reports whether name is a valid Azure function name.
// sdk function names (lower-case letters, digits and '-') always are; the
// check guards the mapping.
func CheckFunctionName(name string) error {
	if !functionNameRE.MatchString(name) {
		return fmt.Errorf("azurefunc: function %q: Azure function names are 1-128 letters, digits, '_' and '-', starting with a letter", name)
	}
	return nil
}

// routeSegmentRE is what an HTTP function's path segment may contain to be
// used literally in an ASP.NET route template (no braces, no '?', '*').
var routeSegmentRE = regexp.MustCompile(`^[A-Za-z0-9._~!$&'()+,;=:@%-]+$`)

// Route returns the httpTrigger route template for an HTTP function
// serving path (without the route prefix): "/" becomes "{*path}" and
// "/admin" becomes "admin/{*path}", so the function receives the path
// itself and everything below it. Literal segments take precedence over
// catch-alls in ASP.NET routing, which gives the same longest-prefix
// choice that Handler makes for forwarded requests.
func Route(path string) (string, error) {
	p := strings.Trim(path, "/")
	if p == "" {
		return "{*path}", nil
	}
	for _, seg := range strings.Split(p, "/") {
		if !routeSegmentRE.MatchString(seg) {
			return "", fmt.Errorf("azurefunc: HTTP path %q: segment %q cannot be used in an Azure route template (use letters, digits and -._~)", path, seg)
		}
	}
	return p + "/{*path}", nil
}
