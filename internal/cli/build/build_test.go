package build

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/faaskit/faas/internal/cli/cmdutil"
)

func TestArgs(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
		want    Options
	}{
		{args: []string{"--provider", "aws", "./app"}, want: Options{Dir: "./app", Provider: "aws", Out: "dist"}},
		{args: []string{"--provider=aws", "--arch", "amd64", "-o", "/tmp/d"}, want: Options{Dir: ".", Provider: "aws", Out: "/tmp/d", Arch: "amd64"}},
		{args: []string{"--provider=gcp"}, want: Options{Dir: ".", Provider: "gcp", Out: "dist"}},
		{args: []string{}, wantErr: `--provider "": want one of aws, gcp, azure`},
		{args: []string{"--provider=ibm"}, wantErr: "want one of aws, gcp, azure"},
		{args: []string{"--provider=gcp", "--arch=arm64"}, wantErr: "--arch applies to --provider=aws only"},
		{args: []string{"--provider=aws", "--arch=x86"}, wantErr: "want arm64 or amd64"},
	}
	for _, c := range cases {
		var got *Options
		f := &cmdutil.Factory{IO: &cmdutil.IOStreams{Out: io.Discard, ErrOut: io.Discard}}
		cmd := NewCmdBuild(f, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v; want usage error %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil || got.Dir != c.want.Dir || got.Provider != c.want.Provider || got.Out != c.want.Out || got.Arch != c.want.Arch {
			t.Errorf("%v: err %v, opts %+v; want %+v", c.args, err, got, c.want)
		}
	}
}
