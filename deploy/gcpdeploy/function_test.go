package gcpdeploy

import (
	"testing"

	functionspb "cloud.google.com/go/functions/apiv2/functionspb"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	"github.com/faaskit/faas/deploy"
)

func TestDiffFunction(t *testing.T) {
	base := &functionspb.Function{
		Labels:      map[string]string{LabelSource: "aaaa"},
		BuildConfig: &functionspb.BuildConfig{Runtime: Runtime, EntryPoint: "web"},
		ServiceConfig: &functionspb.ServiceConfig{AvailableMemory: "256M", TimeoutSeconds: 60,
			EnvironmentVariables: map[string]string{"FAAS_FUNCTION": "web"}},
	}
	with := func(f func(*functionspb.Function)) *functionspb.Function {
		c := proto.Clone(base).(*functionspb.Function)
		f(c)
		return c
	}
	tests := []struct {
		name      string
		live      *functionspb.Function
		wantDiffs []deploy.Diff
		wantPaths []string
	}{
		{"same", base, nil, nil},
		{"the platform's LOG_EXECUTION_ID is no difference", with(func(f *functionspb.Function) {
			f.ServiceConfig.EnvironmentVariables["LOG_EXECUTION_ID"] = "true"
		}), nil, nil},
		{"source", with(func(f *functionspb.Function) { f.Labels[LabelSource] = "bbbb" }),
			[]deploy.Diff{{Field: "source", Old: "bbbb", New: "aaaa"}}, []string{"build_config.source", "labels"}},
		{"memory and timeout", with(func(f *functionspb.Function) {
			f.ServiceConfig.AvailableMemory, f.ServiceConfig.TimeoutSeconds = "512M", 30
		}),
			[]deploy.Diff{{Field: "memory", Old: "512M", New: "256M"}, {Field: "timeout_s", Old: "30", New: "60"}},
			[]string{"service_config.available_memory", "service_config.timeout_seconds", "labels"}},
		{"environment", with(func(f *functionspb.Function) { f.ServiceConfig.EnvironmentVariables["FAAS_FUNCTION"] = "api" }),
			[]deploy.Diff{{Field: "environment", Old: "FAAS_FUNCTION=api", New: "FAAS_FUNCTION=web"}},
			[]string{"service_config.environment_variables", "labels"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffs, paths := diffFunction(tt.live, base)
			if d := cmp.Diff(tt.wantDiffs, diffs); d != "" {
				t.Errorf("diffs (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantPaths, paths); d != "" {
				t.Errorf("paths (-want +got):\n%s", d)
			}
		})
	}
}
