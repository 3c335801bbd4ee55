package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/faaskit/faas/deploy"
	_ "github.com/faaskit/faas/deploy/all"
	"github.com/faaskit/faas/internal/cli/cmdtest"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/faaskit/faas/sdk"
)

// deployers lists the registered providers that deploy (aws at least).
var deployers = strings.Join(deploy.Names(cmdutil.IsDeployer), ", ")

func TestArgs(t *testing.T) {
	cases := []struct {
		args     []string
		wantErr  string
		stage    string
		settings map[string]string
		dryRun   bool
		auth     deploy.Auth
	}{
		{args: []string{"--provider=aws", "./app"}, stage: "dev"},
		{args: []string{"--provider=aws", "--stage", "prod", "--region", "eu-west-1", "--profile", "ci", "--arch", "amd64"}, stage: "prod",
			settings: map[string]string{"region": "eu-west-1", "profile": "ci", "arch": "amd64"}},
		{args: []string{"--provider=aws", "--dry-run"}, stage: "dev", dryRun: true},
		{args: []string{"--provider=aws", "--auth-issuer", "https://id.example.com", "--auth-audience", "todo"}, stage: "dev", auth: deploy.Auth{Issuer: "https://id.example.com", Audience: "todo"}},
		{args: []string{}, wantErr: `--provider "": want one of ` + deployers},
		{args: []string{"--provider=ibm"}, wantErr: `--provider "ibm": want one of ` + deployers},
		{args: []string{"--provider=aws", "--stage", "Prod"}, wantErr: `--stage "Prod"`},
		{args: []string{"--provider=aws", "--stage", ""}, wantErr: `--stage ""`},
		{args: []string{"--provider=aws", "--arch", "x86"}, wantErr: `--arch "x86": want one of arm64, amd64`},
		{args: []string{"--provider=aws", "--auth-issuer", "https://id.example.com"}, wantErr: "--auth-issuer and --auth-audience go together"},
		{args: []string{"--provider=aws", "--auth-issuer", "http://id", "--auth-audience", "a"}, wantErr: "want an https:// URL"},
		{args: []string{"--provider=aws", "a", "b"}, wantErr: "the app directory; got 2"},
		{args: []string{"--provider=aws", "--colour"}, wantErr: "unknown flag: --colour"},
	}
	for _, c := range cases {
		var got *Options
		f := cmdtest.Factory()
		cmd := NewCmdDeploy(f, func(_ context.Context, o *Options) error { got = o; return nil })
		err := cmdtest.Execute(cmd, c.args...)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v; want usage error (exit 2) %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if got.Stage != c.stage || got.DryRun != c.dryRun || got.Auth != c.auth || len(got.Settings) != len(c.settings) {
			t.Errorf("%v: opts %+v", c.args, got)
		}
		for k, v := range c.settings {
			if got.Settings[k] != v {
				t.Errorf("%v: setting %s = %q; want %q", c.args, k, got.Settings[k], v)
			}
		}
	}
}

// fake is a Deployer that records what it is asked to do.
type fake struct {
	deploy.Deployer // unimplemented methods panic
	applied         int
	target          *deploy.Target
	fail            error
}

func (f *fake) Name() string { return "fake" }
func (f *fake) Build(_ context.Context, req *deploy.BuildRequest) (*deploy.BuildResult, error) {
	return &deploy.BuildResult{Provider: "fake", Dir: req.Out, Manifest: &sdk.Manifest{App: "todo"}}, nil
}
func (f *fake) Plan(_ context.Context, t *deploy.Target) (*deploy.Plan, error) {
	f.target = t
	return &deploy.Plan{Provider: "fake", App: "todo", Stage: t.Stage, Unchanged: 3, Changes: []deploy.Change{
		{Action: deploy.Create, Kind: "lambda-function", Name: "todo-dev-web"},
		{Action: deploy.Update, Kind: "lambda-function", Name: "todo-dev-stats", Diffs: []deploy.Diff{{Field: "memory_mb", Old: "256", New: "512"}}},
	}}, nil
}
func (f *fake) Apply(_ context.Context, t *deploy.Target, p *deploy.Plan) (*deploy.Outputs, error) {
	f.applied++
	if f.fail != nil {
		return nil, &deploy.ApplyError{Done: p.Changes[:1], NotDone: p.Changes[1:], Err: f.fail}
	}
	t.Emit(deploy.Event{Action: deploy.Create, Kind: "lambda-function", Name: "todo-dev-web", Status: deploy.StatusDone})
	return &deploy.Outputs{URL: "https://api.example.com", Issuer: "https://issuer.example.com/pool", ClientID: "c1", Audience: "c1"}, nil
}

func TestRun(t *testing.T) {
	cases := []struct {
		name                string
		dryRun, json        bool
		fail                error
		wantOut, wantErrOut []string
		wantApplied         int
	}{
		{name: "deploy", wantApplied: 1,
			wantOut:    []string{"url        https://api.example.com\nissuer     https://issuer.example.com/pool\nclient_id  c1\n"},
			wantErrOut: []string{"+ lambda-function todo-dev-web\n", "~ lambda-function todo-dev-stats (memory_mb: 256 → 512)\n", "1 to create, 1 to update, 0 to delete, 3 unchanged"}},
		{name: "dry run", dryRun: true,
			wantOut: []string{"+ lambda-function todo-dev-web\n~ lambda-function todo-dev-stats (memory_mb: 256 → 512)\nplan for todo (fake, stage dev)"}},
		{name: "json", json: true, wantApplied: 1, wantOut: []string{`"url": "https://api.example.com"`, `"action": "update"`}},
		{name: "dry run json", dryRun: true, json: true, wantOut: []string{`"field": "memory_mb"`}},
		{name: "failure", fail: errors.New("boom"), wantApplied: 1, wantErrOut: []string{"not applied: ~ lambda-function todo-dev-stats"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			fk := &fake{fail: c.fail}
			err := Run(t.Context(), &Options{DeployOptions: cmdutil.DeployOptions{IO: &cmdutil.IOStreams{Out: &out, ErrOut: &errOut}, Dir: ".", Provider: fk, Stage: "dev", Out: t.TempDir(), JSON: c.json}, DryRun: c.dryRun})
			if (err != nil) != (c.fail != nil) {
				t.Fatalf("Run: %v", err)
			}
			if fk.applied != c.wantApplied {
				t.Errorf("Apply called %d times; want %d", fk.applied, c.wantApplied)
			}
			for _, w := range c.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout %q lacks %q", out.String(), w)
				}
			}
			for _, w := range c.wantErrOut {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr %q lacks %q", errOut.String(), w)
				}
			}
			if c.json && !json.Valid(out.Bytes()) {
				t.Errorf("--json stdout is not JSON: %s", out.String())
			}
			if strings.Contains(errOut.String(), "\x1b[") {
				t.Error("colour on a non-terminal")
			}
		})
	}
}
