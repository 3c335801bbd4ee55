package build

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
		args     []string
		wantErr  string
		dir      string
		provider string
		out      string
		settings map[string]string
	}{
		{args: []string{"--provider", "aws", "../build"}, dir: "../build", provider: "aws", out: "dist"},
		{args: []string{"--provider=aws", "--arch", "amd64", "--out", "/tmp/d"}, dir: ".", provider: "aws", out: "/tmp/d", settings: map[string]string{"arch": "amd64"}},
		{args: []string{"--provider=gcp", "--json"}, dir: ".", provider: "gcp", out: "dist"},
		{args: []string{}, wantErr: `--provider "": want one of aws, azure, gcp`},
		{args: []string{"--provider=ibm"}, wantErr: "want one of aws, azure, gcp"},
		{args: []string{"--provider=gcp", "--arch=arm64"}, wantErr: "--arch does not apply to --provider=gcp"},
		{args: []string{"--provider=aws", "--arch=x86"}, wantErr: `--arch "x86": want one of arm64, amd64`},
		{args: []string{"--provider=aws", "a", "b"}, wantErr: "want at most 1 argument(s), the app directory"},
		{args: []string{"--provider=aws", "-o", "x"}, wantErr: "unknown shorthand flag: 'o'"},
	}
	for _, c := range cases {
		var got *Options
		f := cmdtest.Factory()
		cmd := NewCmdBuild(f, func(_ context.Context, o *Options) error { got = o; return nil })
		err := cmdtest.Execute(cmd, c.args...)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v; want usage error %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if got.Dir != c.dir || got.Provider.Name() != c.provider || got.Out != c.out || len(got.Settings) != len(c.settings) {
			t.Errorf("%v: opts %+v; want dir %q provider %q out %q settings %v", c.args, got, c.dir, c.provider, c.out, c.settings)
		}
		for k, v := range c.settings {
			if got.Settings[k] != v {
				t.Errorf("%v: setting %s = %q; want %q", c.args, k, got.Settings[k], v)
			}
		}
	}
}
