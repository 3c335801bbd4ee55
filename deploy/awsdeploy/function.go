package awsdeploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindFunction is the Lambda function kind.
const kindFunction = "lambda-function"

// Waits and retries of the function driver.
const (
	waitFunction = 5 * time.Minute
	// iamPropagation bounds the retries of a create that fails because a
	// new role is not yet visible to Lambda (IAM is eventually consistent).
	iamPropagation = 90 * time.Second
)

// unknown stands for a value only Apply can know (an ID still to create).
const unknown = "(known after apply)"

// functionConfig is the part of a function's configuration faas sets.
type functionConfig struct {
	memory  int32
	timeout int32
	arch    string
	role    string
	env     map[string]string
}

func (e *env) wantConfig(f sdk.FunctionManifest) functionConfig {
	mem := int32(f.MemoryMB)
	if mem == 0 {
		mem = 256
	}
	to := int32((f.Timeout + time.Second - 1) / time.Second)
	if to == 0 {
		to = 30
	}
	return functionConfig{memory: mem, timeout: to, arch: e.arch, role: e.roleARN(e.role()), env: e.functionEnv(f)}
}

// functionEnv is a function's environment: FAAS_FUNCTION, a binding per
// declared resource, and the FAAS_AUTH_* settings.
func (e *env) functionEnv(f sdk.FunctionManifest) map[string]string {
	env := map[string]string{"FAAS_FUNCTION": f.Name}
	for _, r := range e.t.Manifest.Resources {
		if r.URL != "" {
			continue
		}
		switch r.Kind {
		case sdk.KindBucket:
			env[envKey(r)] = "s3://" + e.bucket(r.Name) + "?region=" + e.region
		case sdk.KindCollection:
			env[envKey(r)] = e.collectionURL(r)
		case sdk.KindTopic:
			env[envKey(r)] = "awssns:///" + e.topicARN(r.Name) + "?region=" + e.region
		}
	}
	maps.Copy(env, e.authEnv())
	return env
}

// authEnv is the FAAS_AUTH_* environment (see sdk/auth.ConfigFromEnv):
// the external issuer's, or the Cognito pool's. Cognito access tokens
// carry the app client's ID in client_id, not aud.
func (e *env) authEnv() map[string]string {
	if a := e.t.Auth; a.Issuer != "" {
		m := map[string]string{"FAAS_AUTH_ISSUER": a.Issuer, "FAAS_AUTH_AUDIENCE": a.Audience}
		return m
	}
	issuer, client := unknown, unknown
	if e.poolID != "" {
		issuer = e.issuer(e.poolID)
	}
	if e.clientID != "" {
		client = e.clientID
	}
	return map[string]string{"FAAS_AUTH_ISSUER": issuer, "FAAS_AUTH_AUDIENCE": client,
		"FAAS_AUTH_CLIENT_ID_CLAIM": "client_id", "FAAS_AUTH_CLIENT_ID": client}
}

func (c functionConfig) diff(got functionConfig) []deploy.Diff {
	var d []deploy.Diff
	add := func(field string, old, new any) {
		if fmt.Sprint(old) != fmt.Sprint(new) {
			d = append(d, deploy.Diff{Field: field, Old: fmt.Sprint(old), New: fmt.Sprint(new)})
		}
	}
	add("memory_mb", got.memory, c.memory)
	add("timeout_s", got.timeout, c.timeout)
	add("role", got.role, c.role)
	keys := slices.Sorted(maps.Keys(c.env))
	for k := range got.env {
		if _, ok := c.env[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		old, ok := got.env[k]
		if !ok {
			old = "unset"
		}
		nw, ok := c.env[k]
		if !ok {
			nw = "unset"
		}
		add("env."+k, old, nw)
	}
	return d
}

func planFunctions(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	for _, f := range e.t.Manifest.Functions {
		name := e.function(f.Name)
		out, err := e.c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &name})
		if isNotFound(err) {
			steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindFunction, Name: name}, func(ctx context.Context) error {
				return createFunction(ctx, e, f)
			}})
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("reading function %s: %w", name, err)
		}
		c := out.Configuration
		got := functionConfig{memory: aws.ToInt32(c.MemorySize), timeout: aws.ToInt32(c.Timeout), role: aws.ToString(c.Role)}
		if len(c.Architectures) > 0 {
			got.arch = string(c.Architectures[0])
		}
		if c.Environment != nil {
			got.env = c.Environment.Variables
		}
		want := e.wantConfig(f)
		var diffs []deploy.Diff
		code := aws.ToString(c.CodeSha256) != e.zipSHA || got.arch != want.arch
		if aws.ToString(c.CodeSha256) != e.zipSHA {
			diffs = append(diffs, deploy.Diff{Field: "code_sha256", Old: aws.ToString(c.CodeSha256), New: e.zipSHA})
		}
		if got.arch != want.arch {
			diffs = append(diffs, deploy.Diff{Field: "architecture", Old: got.arch, New: want.arch})
		}
		cfgDiffs := want.diff(got)
		diffs = append(diffs, cfgDiffs...)
		if len(diffs) == 0 {
			same++
			continue
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Update, Kind: kindFunction, Name: name, Diffs: diffs}, func(ctx context.Context) error {
			if code {
				if _, err := e.c.lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: &name, S3Bucket: aws.String(e.artifactBucket()), S3Key: &e.zipKey,
					Architectures: []lambdatypes.Architecture{lambdatypes.Architecture(want.arch)}}); err != nil {
					return err
				}
				if err := waitUpdated(ctx, e, name); err != nil {
					return err
				}
			}
			// Re-derive at apply time: IDs created by earlier steps are known now.
			if want := e.wantConfig(f); len(want.diff(got)) > 0 {
				if _, err := e.c.lambda.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: &name,
					MemorySize: &want.memory, Timeout: &want.timeout, Role: &want.role, Environment: &lambdatypes.Environment{Variables: want.env}}); err != nil {
					return err
				}
				return waitUpdated(ctx, e, name)
			}
			return nil
		}})
	}
	orphans, err := e.orphanFunctions(ctx)
	if err != nil {
		return nil, 0, err
	}
	for _, fn := range orphans {
		steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: kindFunction, Name: e.function(fn)}, func(ctx context.Context) error {
			return deleteFunction(ctx, e, fn, nil)
		}})
	}
	return steps, same, nil
}

// orphanFunctions lists the app function names of functions this
// app+stage owns that the manifest no longer declares.
func (e *env) orphanFunctions(ctx context.Context) ([]string, error) {
	var fns []string
	in := &lambda.ListFunctionsInput{}
	for more := true; more; more = in.Marker != nil {
		page, err := e.c.lambda.ListFunctions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing functions: %w", err)
		}
		in.Marker = page.NextMarker
		for _, c := range page.Functions {
			n := aws.ToString(c.FunctionName)
			fn, ok := strings.CutPrefix(n, e.prefix()+"-")
			if !ok || slices.ContainsFunc(e.t.Manifest.Functions, func(f sdk.FunctionManifest) bool { return f.Name == fn }) {
				continue
			}
			tags, err := e.c.lambda.ListTags(ctx, &lambda.ListTagsInput{Resource: c.FunctionArn})
			if err != nil {
				return nil, fmt.Errorf("reading the tags of %s: %w", n, err)
			}
			if e.owned(tags.Tags) {
				fns = append(fns, fn)
			}
		}
	}
	return fns, nil
}

func createFunction(ctx context.Context, e *env, f sdk.FunctionManifest) error {
	name := e.function(f.Name)
	want := e.wantConfig(f)
	in := &lambda.CreateFunctionInput{
		FunctionName:  &name,
		Runtime:       lambdatypes.RuntimeProvidedal2023,
		Handler:       aws.String("bootstrap"),
		Role:          &want.role,
		Code:          &lambdatypes.FunctionCode{S3Bucket: aws.String(e.artifactBucket()), S3Key: &e.zipKey},
		MemorySize:    &want.memory,
		Timeout:       &want.timeout,
		Architectures: []lambdatypes.Architecture{lambdatypes.Architecture(want.arch)},
		Environment:   &lambdatypes.Environment{Variables: want.env},
		Tags:          e.tags(),
	}
	err := retryIAM(ctx, func() error {
		_, err := e.c.lambda.CreateFunction(ctx, in)
		return err
	})
	if err != nil && !errorCode(err, "ResourceConflictException") {
		return err
	}
	return waitUpdated(ctx, e, name)
}

// waitUpdated waits until the function is Active and its last update
// has finished (what the SDK's FunctionActiveV2 and FunctionUpdatedV2
// waiters check; polled here so that the lambda client is never held in
// an interface, which would make the linker keep every one of its
// operations in the faas binary).
func waitUpdated(ctx context.Context, e *env, name string) error {
	deadline := time.Now().Add(waitFunction)
	for delay := 200 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		out, err := e.c.lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &name})
		if err != nil {
			return err
		}
		switch {
		case out.State == lambdatypes.StateFailed || out.LastUpdateStatus == lambdatypes.LastUpdateStatusFailed:
			return fmt.Errorf("function %s failed to update: %s%s", name, aws.ToString(out.StateReason), aws.ToString(out.LastUpdateStatusReason))
		case (out.State == lambdatypes.StateActive || out.State == "") && out.LastUpdateStatus != lambdatypes.LastUpdateStatusInProgress:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("function %s is not ready after %v (state %s, last update %s)", name, waitFunction, out.State, out.LastUpdateStatus)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// retryIAM retries call while it fails because a role or its policy is
// not yet visible to the calling service.
func retryIAM(ctx context.Context, call func() error) error {
	deadline := time.Now().Add(iamPropagation)
	for delay := time.Second; ; delay = min(2*delay, 10*time.Second) {
		err := call()
		if err == nil || !iamNotReady(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

func iamNotReady(err error) bool {
	s := err.Error()
	return (errorCode(err, "InvalidParameterValueException") || errorCode(err, "ValidationException")) &&
		(strings.Contains(s, "cannot be assumed") || strings.Contains(s, "does not have permissions") || strings.Contains(s, "not authorized"))
}

// deleteFunction deletes an app function with its event source
// mappings, queues and log group.
func deleteFunction(ctx context.Context, e *env, fn string, res *deploy.DestroyResult) error {
	name := e.function(fn)
	if err := deleteMappings(ctx, e, name); err != nil {
		return err
	}
	if _, err := e.c.lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: &name}); err != nil && !isNotFound(err) {
		return err
	}
	if err := deleteQueues(ctx, e, fn, res); err != nil {
		return err
	}
	_, err := e.c.logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(e.logGroup(fn))})
	switch {
	case isNotFound(err):
	case err != nil:
		return err
	case res != nil:
		e.deleted(res, kindLogGroup, e.logGroup(fn))
	}
	return nil
}

func destroyFunctions(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	fns, err := e.orphanFunctions(ctx)
	if err != nil {
		return err
	}
	for _, f := range e.t.Manifest.Functions {
		fns = append(fns, f.Name)
	}
	for _, fn := range fns {
		name := e.function(fn)
		if _, err := e.c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &name}); err != nil {
			if isNotFound(err) {
				continue
			}
			return err
		}
		if err := deleteFunction(ctx, e, fn, res); err != nil {
			return err
		}
		e.deleted(res, kindFunction, name)
	}
	return nil
}
