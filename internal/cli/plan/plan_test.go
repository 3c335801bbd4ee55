package plan

import (
	"context"
	"strings"
	"testing"

	_ "github.com/faaskit/faas/deploy/all"
	"github.com/faaskit/faas/internal/cli/cmdtest"
	"github.com/faaskit/faas/internal/cli/cmdutil"
)

func TestArgs(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
		stage   string
	}{
		{args: []string{"--provider=aws", "--stage", "pr-7", "."}, stage: "pr-7"},
		{args: []string{"--provider=aws", "--json"}, stage: "dev"},
		{args: []string{"--provider=aws", "--auth-audience", "x"}, wantErr: "--auth-issuer and --auth-audience go together"},
		{args: []string{"--provider=aws", "--dry-run"}, wantErr: "unknown flag: --dry-run"},
		{args: []string{"--provider", "ibm"}, wantErr: `--provider "ibm": want one of aws`},
	}
	for _, c := range cases {
		var got *Options
		f := cmdtest.Factory()
		cmd := NewCmdPlan(f, func(_ context.Context, o *Options) error { got = o; return nil })
		err := cmdtest.Execute(cmd, c.args...)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v; want usage error (exit 2) %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil || got.Stage != c.stage {
			t.Errorf("%v: %v, opts %+v", c.args, err, got)
		}
	}
}
