package awsdeploy

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

var update = flag.Bool("update", false, "rewrite the limits table in README.md")

// noCalls is an APIOption that fails every AWS call: a limit must be
// refused before any.
func noCalls(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("faas-test-nocalls", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("test: an AWS call was made")
	}), middleware.Before)
}

func TestLimitsRefusedBeforeAnyCall(t *testing.T) {
	fn := func(mod func(*sdk.FunctionManifest)) *sdk.Manifest {
		f := sdk.FunctionManifest{Name: "api", Kind: sdk.KindHTTP, Timeout: 30 * time.Second, MemoryMB: 256, HTTP: &sdk.HTTPTrigger{Path: "/"}}
		mod(&f)
		return &sdk.Manifest{App: "todo", Functions: []sdk.FunctionManifest{f}}
	}
	blob := func(name, prefix string) sdk.FunctionManifest {
		return sdk.FunctionManifest{Name: name, Kind: sdk.KindBlob, Blob: &sdk.BlobTrigger{Bucket: "files", Events: []sdk.BlobEventKind{sdk.BlobCreated}, Prefix: prefix}}
	}
	cases := []struct {
		name  string
		m     *sdk.Manifest
		stage string
		auth  deploy.Auth
		want  string
	}{
		{"timeout", fn(func(f *sdk.FunctionManifest) { f.Timeout = 20 * time.Minute }), "dev", deploy.Auth{}, `function "api": timeout 20m0s exceeds Lambda's 15m0s: lower sdk.FunctionOptions.Timeout`},
		{"memory", fn(func(f *sdk.FunctionManifest) { f.MemoryMB = 64 }), "dev", deploy.Auth{}, "memory 64 MB is outside Lambda's 128–10240 MB"},
		{"rate", fn(func(f *sdk.FunctionManifest) {
			f.Kind, f.HTTP, f.Schedule = sdk.KindSchedule, nil, &sdk.ScheduleTrigger{Expr: "rate(30s)", Every: 30 * time.Second}
		}), "dev", deploy.Auth{}, "runs at most every minute"},
		{"cron both days", fn(func(f *sdk.FunctionManifest) {
			f.Kind, f.HTTP, f.Schedule = sdk.KindSchedule, nil, &sdk.ScheduleTrigger{Expr: "cron(0 3 1 * 1)", Cron: "0 3 1 * 1"}
		}), "dev", deploy.Auth{}, "cannot restrict both day-of-month and day-of-week"},
		{"attempts", fn(func(f *sdk.FunctionManifest) {
			f.Kind, f.HTTP, f.Message = sdk.KindMessage, nil, &sdk.MessageTrigger{Topic: "t", MaxAttempts: 2000}
		}), "dev", deploy.Auth{}, "MaxAttempts 2000 exceeds SQS's maxReceiveCount limit 1000"},
		{"function name", fn(func(f *sdk.FunctionManifest) { f.Name = strings.Repeat("f", 49) }), "a-very-long-stage", deploy.Auth{}, "function name \"todo-a-very-long-stage-fffff"},
		{"overlapping blob prefixes", &sdk.Manifest{App: "todo", Functions: []sdk.FunctionManifest{blob("a", "in/"), blob("b", "in/x/")}}, "dev", deploy.Auth{}, `blob functions "a" and "b" have overlapping prefixes`},
		{"reserved word in the Cognito domain", fn(func(*sdk.FunctionManifest) {}), "aws", deploy.Auth{}, `contains the reserved word "aws"`},
		{"indexes", &sdk.Manifest{App: "todo", Resources: []sdk.ResourceManifest{{Name: "c", Kind: sdk.KindCollection, KeyField: "id", Indexes: make([]sdk.Index, 21)}}}, "dev", deploy.Auth{}, "declares 21 indexes; DynamoDB allows 20"},
	}
	p := Provider{APIOptions: []func(*middleware.Stack) error{noCalls}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := &deploy.Target{Stage: c.stage, Manifest: c.m, Auth: c.auth}
			for verb, call := range map[string]func() error{
				"Plan":    func() error { _, err := p.Plan(t.Context(), tg); return err },
				"Destroy": func() error { _, err := p.Destroy(t.Context(), tg, nil); return err },
				"Outputs": func() error { _, err := p.Outputs(t.Context(), tg); return err },
			} {
				err := call()
				var le *deploy.LimitError
				if !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: %v; want a LimitError saying %q", verb, err, c.want)
				}
			}
		})
	}
	// Within the limits, the check passes (and the call is then made).
	ok := &deploy.Target{Stage: "dev", Manifest: fn(func(f *sdk.FunctionManifest) { f.Timeout = 15 * time.Minute })}
	if err := checkLimits(ok); err != nil {
		t.Errorf("15m timeout: %v", err)
	}
}

func TestScheduleExpression(t *testing.T) {
	cases := []struct {
		s    sdk.ScheduleTrigger
		want string
	}{
		{sdk.ScheduleTrigger{Cron: "0 3 * * *"}, "cron(0 3 * * ? *)"},
		{sdk.ScheduleTrigger{Cron: "*/5 * * * 1-5"}, "cron(*/5 * ? * 2-6 *)"},
		{sdk.ScheduleTrigger{Cron: "0 0 * * 0,6"}, "cron(0 0 ? * 1,7 *)"},
		{sdk.ScheduleTrigger{Cron: "30 12 1 * *"}, "cron(30 12 1 * ? *)"},
		{sdk.ScheduleTrigger{Cron: "0 9 * * MON"}, "cron(0 9 ? * MON *)"},
		{sdk.ScheduleTrigger{Every: time.Minute}, "rate(1 minute)"},
		{sdk.ScheduleTrigger{Every: 90 * time.Minute}, "rate(90 minutes)"},
		{sdk.ScheduleTrigger{Every: 2 * time.Hour}, "rate(2 hours)"},
		{sdk.ScheduleTrigger{Every: 24 * time.Hour}, "rate(1 day)"},
	}
	for _, c := range cases {
		got, err := scheduleExpression(&c.s)
		if err != nil || got != c.want {
			t.Errorf("%+v: %q, %v; want %q", c.s, got, err, c.want)
		}
	}
}

// The limits table in README.md is generated from Limits(); this test
// fails when they drift and rewrites the block with -update.
func TestREADMELimits(t *testing.T) {
	const begin, end = "<!-- limits:aws:begin (generated: go test ./deploy/awsdeploy -run TestREADMELimits -update) -->\n", "<!-- limits:aws:end -->"
	var b strings.Builder
	b.WriteString(begin)
	b.WriteString("| Limit | Maximum | What to change |\n|---|---|---|\n")
	esc := strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", "\\|")
	for _, l := range (Provider{}).Limits() {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", esc.Replace(l.What), esc.Replace(l.Max), esc.Replace(l.Setting))
	}
	b.WriteString(end)
	want := b.String()
	const path = "../../README.md"
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no block between %q and %q", strings.TrimSpace(begin), end)
	}
	got := s[i : j+len(end)]
	if got == want {
		return
	}
	if !*update {
		t.Fatalf("the README's AWS limits table differs from Limits(); run go test ./deploy/awsdeploy -run TestREADMELimits -update\n got:\n%s\nwant:\n%s", got, want)
	}
	if err := os.WriteFile(path, []byte(s[:i]+want+s[j+len(end):]), 0o644); err != nil {
		t.Fatal(err)
	}
}
