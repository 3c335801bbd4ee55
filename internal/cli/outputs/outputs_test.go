package outputs

import (
	"context"
	"io"
	"strings"
	"testing"

	_ "github.com/faaskit/faas/deploy/all"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
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
		f := &cmdutil.Factory{IO: &cmdutil.IOStreams{Out: io.Discard, ErrOut: io.Discard}}
		cmd := NewCmdOutputs(f, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.Usagef("%v", err) })
		err := cmd.Execute()
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
