package root

import (
	"bytes"
	"strings"
	"testing"

	"github.com/faaskit/faas/internal/cli/cmdutil"
)

// TestUsageErrorsExit2 runs the real command tree: every way of calling a
// verb wrongly is a usage error (exit 2) whose message says what to fix,
// and nothing runs.
func TestUsageErrorsExit2(t *testing.T) {
	missing := t.TempDir() + "/missing"
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"version", "extra"}, "takes no arguments"},
		{[]string{"init", "a", "b"}, "want at most 1 argument(s), the app directory"},
		{[]string{"init", "--module", "nodot", t.TempDir() + "/x"}, "--module"},
		{[]string{"build", "--provider=aws", "a", "b"}, "want at most 1 argument(s)"},
		{[]string{"build", "--provider=nope", "."}, `--provider "nope"`},
		{[]string{"build", "--provider=aws", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"build", "--provider=aws", missing}, "no such directory"},
		{[]string{"build", "--provider=gcp", "--arch=arm64", "."}, "--arch does not apply to --provider=gcp"},
		{[]string{"dev", "a", "b"}, "want at most 1 argument(s)"},
		{[]string{"dev", "--port", "-1"}, "--port -1"},
		{[]string{"dev", "--emulate=ibm"}, `--emulate "ibm"`},
		{[]string{"dev", "--port", "0", missing}, "is not a directory"},
		{[]string{"invoke", "a", "b"}, "want at most 1 argument(s), the function name"},
		{[]string{"invoke"}, "name a function, or a topic"},
		{[]string{"invoke", "f", "--attr", "novalue"}, `--attr "novalue"`},
		{[]string{"deploy", "--provider=aws", "a", "b"}, "want at most 1 argument(s)"},
		{[]string{"deploy", "--provider=nope"}, `--provider "nope"`},
		{[]string{"plan", "--provider=aws", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"destroy", "--provider=aws", "a", "b"}, "want at most 1 argument(s)"},
		{[]string{"outputs", "--provider=nope"}, `--provider "nope"`},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}}
		cmd := NewCmdRoot(f)
		cmd.SetArgs(c.args)
		err := cmd.ExecuteContext(t.Context())
		if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("faas %s: exit %d, err %v; want exit 2 and %q", strings.Join(c.args, " "), code, err, c.want)
		}
	}
}
