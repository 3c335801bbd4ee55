package awslambda_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/faaskit/faas/providers/awslambda/lambdahost"
	"github.com/faaskit/faas/sdk"
)

// TestInitError runs the real bootstrap with a FAAS_FUNCTION the app does
// not have: the shim must report it on /runtime/init/error, which the host
// turns into the failed invocation's error.
func TestInitError(t *testing.T) {
	bootstrap, manifest := buildConformanceApp(t)
	bad := *manifest
	bad.Functions = []sdk.FunctionManifest{{Name: "nope", Kind: sdk.KindHTTP, HTTP: &sdk.HTTPTrigger{Path: "/"}}}
	host, err := lambdahost.New(bootstrap, &bad, &lambdahost.Options{Stderr: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	_, err = host.Invoke(t.Context(), "nope", []byte(`{}`))
	var fe *lambdahost.FunctionError
	if !errors.As(err, &fe) || fe.Type != "faas.InitError" || !strings.Contains(fe.Message, `has no function "nope"`) || !strings.Contains(fe.Message, "blobs, msg, tick, web") {
		t.Fatalf("invoke with an unknown FAAS_FUNCTION: %v; want a faas.InitError naming the function and listing the app's functions", err)
	}
}

// TestUnknownEvent sends shapes the function cannot take: each is an
// invocation error, never a silent success.
func TestUnknownEvent(t *testing.T) {
	bootstrap, manifest := buildConformanceApp(t)
	env := []string{"FAAS_BUCKET_RECORDS=file://" + t.TempDir()}
	host, err := lambdahost.New(bootstrap, manifest, &lambdahost.Options{Env: env, Stderr: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	cases := []struct{ function, payload string }{
		{"web", `{"hello":"world"}`},
		{"web", `{"Records":[{"eventSource":"aws:sqs","messageId":"1","body":"x"}]}`},
		{"msg", `{"Records":[{"eventSource":"aws:kinesis"}]}`},
		{"tick", `{"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}`},
		{"blobs", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRestore:Completed","s3":{"object":{"key":"a"}}}]}`},
		{"web", `[1,2]`},
	}
	for _, c := range cases {
		_, err := host.Invoke(t.Context(), c.function, []byte(c.payload))
		var fe *lambdahost.FunctionError
		if !errors.As(err, &fe) || fe.Type != "faas.invalid_input" {
			t.Errorf("%s <- %s: %v; want a faas.invalid_input function error", c.function, c.payload, err)
		}
	}
	// The environment survives and still serves valid events.
	if _, err := host.Invoke(t.Context(), "tick", []byte(`{"id":"x","detail-type":"Scheduled Event","source":"aws.events","time":"2026-01-01T00:00:00Z","detail":{}}`)); err != nil {
		t.Errorf("scheduled event after the bad ones: %v", err)
	}
}
