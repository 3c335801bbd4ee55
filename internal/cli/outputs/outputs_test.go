package outputs

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
		region  string
	}{
		{args: []string{"--provider=aws", "--region", "eu-west-1"}, region: "eu-west-1"},
		{args: []string{"--provider=aws", "--json", "./app"}},
		{args: []string{"--provider=aws", "--yes"}, wantErr: "unknown flag: --yes"},
		{args: []string{}, wantErr: `--provider ""`},
	}
	for _, c := range cases {
		var got *Options
		f := cmdtest.Factory()
		cmd := NewCmdOutputs(f, func(_ context.Context, o *Options) error { got = o; return nil })
		err := cmdtest.Execute(cmd, c.args...)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v; want usage error (exit 2) %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil || got.Settings["region"] != c.region {
			t.Errorf("%v: %v, opts %+v", c.args, err, got)
		}
	}
}
