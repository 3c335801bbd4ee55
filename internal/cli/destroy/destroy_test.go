package destroy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faaskit/faas/deploy"
	_ "github.com/faaskit/faas/deploy/all"
	"github.com/faaskit/faas/internal/cli/cmdtest"
	"github.com/faaskit/faas/internal/cli/cmdutil"
)

func TestArgs(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
		yes     bool
		data    bool
	}{
		{args: []string{"--provider=aws", "--yes"}, yes: true},
		{args: []string{"--provider=aws", "-y", "--delete-data", "./app"}, yes: true, data: true},
		{args: []string{"--provider=aws"}, wantErr: "stdin is not a terminal: pass --yes"},
		{args: []string{"--provider=ibm", "--yes"}, wantErr: `--provider "ibm": want one of aws`},
		{args: []string{"--provider=aws", "--yes", "--stage", "-x"}, wantErr: `--stage "-x"`},
		{args: []string{"--provider=aws", "--yes", "--dry-run"}, wantErr: "unknown flag: --dry-run"},
	}
	for _, c := range cases {
		var got *Options
		// stdin is a pipe here, never a terminal.
		f := cmdtest.Factory()
		cmd := NewCmdDestroy(f, func(_ context.Context, o *Options) error { got = o; return nil })
		err := cmdtest.Execute(cmd, c.args...)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v; want usage error (exit 2) %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil || got.Yes != c.yes || got.DeleteData != c.data {
			t.Errorf("%v: %v, opts %+v", c.args, err, got)
		}
	}
}

// fake is a Deployer whose Destroy records its options.
type fake struct {
	deploy.Deployer
	destroyed *deploy.DestroyOptions
}

func (f *fake) Name() string { return "fake" }
func (f *fake) Destroy(_ context.Context, t *deploy.Target, o *deploy.DestroyOptions) (*deploy.DestroyResult, error) {
	f.destroyed = o
	return &deploy.DestroyResult{Deleted: []deploy.Resource{{Kind: "lambda-function", Name: t.App() + "-" + t.Stage + "-web"}},
		Kept: []deploy.Resource{{Kind: "s3-bucket", Name: "todo-dev-attachments"}}}, nil
}

func TestConfirmAndKeep(t *testing.T) {
	out := t.TempDir()
	if err := os.MkdirAll(filepath.Join(out, "fake"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "fake", "manifest.json"), []byte(`{"app":"todo","functions":[],"resources":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, typed string
		yes         bool
		wantErr     string
		want        []string
	}{
		{name: "typed the stage", typed: "dev\n", want: []string{"removed 1 resource(s)", "kept s3-bucket todo-dev-attachments", "--delete-data"}},
		{name: "typed something else", typed: "yes\n", wantErr: "not confirmed; nothing was removed"},
		{name: "--yes asks nothing", yes: true, want: []string{"removed 1 resource(s)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			fk := &fake{}
			err := destroyRun(t.Context(), &Options{DeployOptions: cmdutil.DeployOptions{IO: &cmdutil.IOStreams{In: strings.NewReader(c.typed), Out: &stdout, ErrOut: &stderr},
				Provider: fk, Stage: "dev", Out: out}, Yes: c.yes})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || fk.destroyed != nil {
					t.Fatalf("err %v, destroyed %v; want %q and no Destroy", err, fk.destroyed, c.wantErr)
				}
				return
			}
			if err != nil || fk.destroyed == nil {
				t.Fatalf("err %v, destroyed %v", err, fk.destroyed)
			}
			if asked := strings.Contains(stderr.String(), "Type the stage name"); asked == c.yes {
				t.Errorf("asked %v with --yes %v: %q", asked, c.yes, stderr.String())
			}
			for _, w := range c.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout %q lacks %q", stdout.String(), w)
				}
			}
		})
	}
}
