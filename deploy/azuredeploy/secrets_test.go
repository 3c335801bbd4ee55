package azuredeploy

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/examples/todo"
)

// TestMongoConnectionStringOnlyInAppSettings: the Cosmos DB for MongoDB
// connection string, the one key-bearing secret (the API has no Entra
// data-plane auth), is an ARM expression that Azure resolves into the
// function app's MONGO_SERVER_URL setting and nowhere else: it is in no
// template output, no deployment is submitted with a debugSetting (which
// would log the resolved request content in the deployment history), and
// neither the plan, the progress events nor the outputs (what `faas plan
// --json`, the progress lines and `faas outputs --json` print) carry it.
func TestMongoConnectionStringOnlyInAppSettings(t *testing.T) {
	c := newCloud(t)
	p := Provider{Deploy: c.options()}
	m := todo.App().Manifest()
	tg := target(m, writePackage(t, m, "v1"))
	var progress strings.Builder
	tg.Progress = func(e deploy.Event) { fmt.Fprintf(&progress, "%+v\n", e) }
	pl, _, err := deployOnce(t, p, tg)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Outputs(t.Context(), tg)
	if err != nil {
		t.Fatal(err)
	}

	e := pl.State.(*state).e
	setting := appSetting(e.appTpl, "MONGO_SERVER_URL")
	if !strings.HasPrefix(setting, "[listConnectionStrings(") {
		t.Fatalf("MONGO_SERVER_URL = %q; want the listConnectionStrings expression ARM resolves", setting)
	}
	for _, tpl := range []*Template{e.dataTpl, e.appTpl} {
		b, _ := json.Marshal(tpl)
		if n := strings.Count(string(b), "listConnectionStrings("); n > 1 || tpl == e.dataTpl && n != 0 {
			t.Errorf("listConnectionStrings appears %d times in a template; want only the app setting", n)
		}
		for name, o := range tpl.Outputs {
			if strings.Contains(o.Value, "list") {
				t.Errorf("output %s = %s lists secrets", name, o.Value)
			}
		}
	}
	if len(c.debug) != 0 {
		t.Errorf("deployments submitted with a debugSetting: %v", c.debug)
	}
	plan, _ := json.Marshal(pl.Changes)
	outs, _ := json.Marshal(out)
	for what, text := range map[string]string{"plan": string(plan), "progress": progress.String(), "outputs": string(outs)} {
		if text == "" || text == "null" {
			t.Fatalf("%s is empty: the check would prove nothing", what)
		}
		for _, secret := range []string{"listConnectionStrings", "MONGO_SERVER_URL", "mongodb://", "AccountKey", "connectionString"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %q:\n%s", what, secret, text)
			}
		}
	}
}
