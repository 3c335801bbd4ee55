package initcmd

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faaskit/faas/internal/cli/cmdutil"
)

func TestNames(t *testing.T) {
	for _, c := range []struct{ dir, app, module, pkg string }{
		{"hello", "hello", "example.com/hello", "hello"},
		{"My_Shop 2", "my-shop-2", "example.com/my-shop-2", "myshop2"},
		{"123abc", "abc", "example.com/abc", "abc"},
		{"---", "app", "example.com/app", "app"},
		{strings.Repeat("x", 60), strings.Repeat("x", 49), "example.com/" + strings.Repeat("x", 49), strings.Repeat("x", 49)},
	} {
		app := appName(c.dir)
		if app != c.app || packageName("example.com/"+app) != c.pkg || !validAppName(app) {
			t.Errorf("%q: app %q package %q; want %q %q", c.dir, app, packageName("example.com/"+app), c.app, c.pkg)
		}
	}
}

func TestReleased(t *testing.T) {
	for v, want := range map[string]bool{
		"v1.2.3":                               true,
		"v0.3.0-rc.1":                          true,
		"(devel)":                              false,
		"v0.0.0-20261204153406-abcdef123456":   false,
		"v1.2.4-0.20261204153406-abcdef123456": false,
		"v0.0.0-20261204153406-abcdef123456+dirty": false,
		"v1.2.3+dirty": false,
	} {
		if released(v) != want {
			t.Errorf("released(%q) = %v; want %v", v, !want, want)
		}
	}
}

func TestArgs(t *testing.T) {
	nonEmpty := t.TempDir()
	os.WriteFile(filepath.Join(nonEmpty, "x"), nil, 0o644)
	cases := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"a", "b"}, "want at most 1 argument(s), the app directory"},
		{[]string{"--name", "Bad Name", "x"}, "--name"},
		{[]string{"--module", "hello", "x"}, "--module"},
		{[]string{"--replace", t.TempDir(), filepath.Join(t.TempDir(), "new")}, "not a faas checkout"},
		{[]string{"--replace", "../../..", nonEmpty}, "is not empty"},
	}
	for _, c := range cases {
		f := &cmdutil.Factory{IO: &cmdutil.IOStreams{Out: io.Discard, ErrOut: io.Discard}}
		cmd := NewCmdInit(f, nil)
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: err %v; want usage error containing %q", c.args, err, c.wantErr)
		}
	}
}
