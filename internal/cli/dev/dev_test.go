package dev

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
		dir     string
		port    int
		emulate string
	}{
		{args: nil, dir: ".", port: 8080},
		{args: []string{"./app", "--port", "0"}, dir: "./app", port: 0},
		{args: []string{"--port", "70000"}, wantErr: "--port 70000"},
		{args: []string{"a", "b"}, wantErr: "want at most 1 argument(s), the app directory"},
		{args: []string{"--emulate", "aws", "./app"}, dir: "./app", port: 8080, emulate: "aws"},
		{args: []string{"--emulate=lambda"}, wantErr: `--emulate "lambda": want one of aws, azure, gcp`},
	}
	for _, c := range cases {
		var got *Options
		f := &cmdutil.Factory{IO: &cmdutil.IOStreams{Out: io.Discard, ErrOut: io.Discard}}
		cmd := NewCmdDev(f, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: err %v; want %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil || got.Dir != c.dir || got.Port != c.port || got.Emulate != c.emulate {
			t.Errorf("%v: err %v opts %+v", c.args, err, got)
		}
	}
}

func TestDevRunRejectsNonApps(t *testing.T) {
	io := &cmdutil.IOStreams{Out: io.Discard, ErrOut: io.Discard}
	err := devRun(t.Context(), &Options{IO: io, Dir: "../../../deploy/appbuild/testdata/noapp", Port: 0})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "func App() *sdk.App") {
		t.Errorf("devRun on a package without App: %v; want a usage error saying what to add", err)
	}
}
