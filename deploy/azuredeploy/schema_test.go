package azuredeploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/faaskit/faas/examples/todo"
)

// armSchemas holds the ARM JSON schemas (MIT, from Azure/azure-resource-manager-schemas)
// of the API versions the templates use.
const armSchemas = "testdata/arm-schemas"

const schemaBase = "https://schema.management.azure.com/schemas/"

// armLoader serves schema.management.azure.com from armSchemas, made
// strict: every object schema that lists its properties and says nothing
// of others refuses unknown ones.
type armLoader struct{ dir string }

func (l armLoader) Load(url string) (any, error) {
	rel, ok := strings.CutPrefix(url, schemaBase)
	if !ok {
		return nil, fmt.Errorf("no local copy of %s", url)
	}
	f, err := os.Open(filepath.Join(l.dir, rel))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	strict(doc)
	return doc, nil
}

// strict walks a schema, setting additionalProperties false where an
// object schema lists properties without allOf composition.
func strict(s any) {
	m, ok := s.(map[string]any)
	if !ok {
		return
	}
	if p, ok := m["pattern"].(string); ok {
		if _, err := regexp.Compile(p); err != nil {
			delete(m, "pattern") // ECMA-only syntax (look-ahead) Go's regexp lacks
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		_, has := m["additionalProperties"]
		_, composed := m["allOf"]
		if !has && !composed {
			m["additionalProperties"] = false
		}
		for _, p := range props {
			strict(p)
		}
	}
	for _, k := range []string{"definitions", "resourceDefinitions"} {
		if defs, ok := m[k].(map[string]any); ok {
			for _, d := range defs {
				strict(d)
			}
		}
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		if xs, ok := m[k].([]any); ok {
			for _, x := range xs {
				strict(x)
			}
		}
	}
	for _, k := range []string{"items", "additionalProperties"} {
		strict(m[k])
	}
}

// definitionURL finds the resourceDefinitions entry of typ in the schema
// of its namespace at apiVersion.
func definitionURL(t *testing.T, typ, apiVersion string) string {
	t.Helper()
	ns, _, _ := strings.Cut(typ, "/")
	rel := apiVersion + "/" + ns + ".json"
	b, err := os.ReadFile(filepath.Join(armSchemas, rel))
	if err != nil {
		t.Fatalf("%s@%s: no schema: %v", typ, apiVersion, err)
	}
	var doc struct {
		ResourceDefinitions map[string]struct {
			Properties struct {
				Type struct {
					Enum []string `json:"enum"`
				} `json:"type"`
			} `json:"properties"`
		} `json:"resourceDefinitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for name, d := range doc.ResourceDefinitions {
		for _, e := range d.Properties.Type.Enum {
			if strings.EqualFold(e, typ) {
				return schemaBase + rel + "#/resourceDefinitions/" + name
			}
		}
	}
	t.Fatalf("%s: unknown type in %s", typ, rel)
	return ""
}

// templateOnly are a template resource's keys that belong to the
// template language, not to the resource type's schema.
var templateOnly = []string{"dependsOn", "scope", "resourceGroup"}

func validateTemplate(t *testing.T, c *jsonschema.Compiler, tpl *Template) int {
	t.Helper()
	n := 0
	for _, r := range tpl.Resources {
		b, _ := json.Marshal(r)
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range templateOnly {
			delete(doc.(map[string]any), k)
		}
		sch, err := c.Compile(definitionURL(t, r.Type, r.APIVersion))
		if err != nil {
			t.Fatalf("%s: compiling its schema: %v", r.Type, err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s %s does not validate against %s@%s:\n%v", r.Type, r.Name, r.Type, r.APIVersion, err)
		}
		n++
		if nested, ok := r.Properties["template"].(*Template); ok {
			n += validateTemplate(t, c, nested)
		}
	}
	return n
}

func newSchemaCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.UseLoader(armLoader{dir: armSchemas})
	return c
}

// TestTemplatesValidate checks every resource of the to-do app's two
// templates (and the nested one) against the ARM schema of its
// apiVersion, with unknown properties refused.
func TestTemplatesValidate(t *testing.T) {
	if _, err := os.Stat(armSchemas); err != nil {
		t.Fatalf("the ARM schemas are missing: %v", err)
	}
	g := &templates{n: names{app: "todo", stage: "dev", sub: "sub"}, m: todo.App().Manifest(), location: "westeurope", key: strings.Repeat("ab", 16)}
	c := newSchemaCompiler()
	total, size := 0, 0
	for _, tpl := range []*Template{g.data(), g.app()} {
		total += validateTemplate(t, c, tpl)
		b, _ := json.Marshal(tpl)
		size += len(b)
	}
	t.Logf("to-do app: %d resources, %d bytes of template JSON", total, size)
}

// TestSchemaCheckRefuses: the check fails a misspelt property, at the top
// of a resource's properties and deep inside them, so a passing
// TestTemplatesValidate means something.
func TestSchemaCheckRefuses(t *testing.T) {
	g := &templates{n: names{app: "todo", stage: "dev", sub: "sub"}, m: todo.App().Manifest(), location: "westeurope", key: strings.Repeat("ab", 16)}
	c := newSchemaCompiler()
	for _, tc := range []struct {
		name  string
		tpl   *Template
		typ   string
		spoil func(p map[string]any)
		want  string
	}{
		{"storage account", g.data(), "Microsoft.Storage/storageAccounts", func(p map[string]any) { p["allowSharedKeyAcess"] = false }, "allowSharedKeyAcess"},
		{"site runtime", g.app(), "Microsoft.Web/sites", func(p map[string]any) {
			p["functionAppConfig"].(map[string]any)["runtime"].(map[string]any)["nmae"] = "custom"
		}, "nmae"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range tc.tpl.Resources {
				if r.Type != tc.typ {
					continue
				}
				tc.spoil(r.Properties)
				b, _ := json.Marshal(r)
				doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
				delete(doc.(map[string]any), "dependsOn")
				sch, err := c.Compile(definitionURL(t, r.Type, r.APIVersion))
				if err != nil {
					t.Fatal(err)
				}
				if err := sch.Validate(doc); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("a misspelt property validated: %v", err)
				}
				return
			}
			t.Fatalf("no %s in the template", tc.typ)
		})
	}
}
