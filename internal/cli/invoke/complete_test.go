package invoke

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/faaskit/faas/sdk"
	"github.com/spf13/cobra"
)

// TestCompletion completes function names and --topic from the manifest
// of the running app, through cobra's own __complete command.
func TestCompletion(t *testing.T) {
	a := sdk.New("shop", nil)
	a.Topic("placed", nil)
	a.Topic("paid", nil)
	a.HTTP("api", http.NotFoundHandler(), nil)
	a.Message("record", "placed", nil, nil)
	a.Schedule("purge", "@daily", nil, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_faas/manifest" {
			http.NotFound(w, r)
			return
		}
		sdk.WriteJSON(w, http.StatusOK, a.Manifest())
	}))
	defer srv.Close()
	for _, c := range []struct {
		args []string
		want []string
		not  []string
	}{
		{[]string{"invoke", "--url", srv.URL, ""}, []string{"record\tmessage", "purge\tschedule"}, []string{"api"}},
		{[]string{"invoke", "--url", srv.URL, "pu"}, []string{"purge"}, []string{"record"}},
		{[]string{"invoke", "--url", srv.URL, "--topic", "p"}, []string{"placed", "paid"}, []string{"record"}},
		{[]string{"invoke", "--url", "http://127.0.0.1:1", ""}, nil, []string{"record", "purge"}},
	} {
		var out bytes.Buffer
		f := &cmdutil.Factory{IO: &cmdutil.IOStreams{Out: &out, ErrOut: &out}}
		root := &cobra.Command{Use: "faas"}
		root.AddCommand(NewCmdInvoke(f, nil))
		root.SetOut(&out)
		root.SetArgs(append([]string{cobra.ShellCompRequestCmd}, c.args...))
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: completions %q lack %q", c.args, out.String(), w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(out.String(), n) {
				t.Errorf("%v: completions %q offer %q", c.args, out.String(), n)
			}
		}
	}
}
