package awsdeploy

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/faaskit/faas/deploy"
)

// kindPermission is the Lambda resource-policy statement kind.
const kindPermission = "lambda-permission"

// permission is one statement of a function's resource policy that lets a
// service invoke it from one source.
type permission struct {
	function  string // the function's name
	sid       string
	principal string        // e.g. "s3.amazonaws.com"
	source    func() string // the source ARN, known at apply time
	account   string        // SourceAccount, if set
}

// permissionSources returns the function's resource-policy statements by
// Sid, each as its source ARN condition ("" if the function has none).
func (e *env) permissionSources(ctx context.Context, function string) (map[string]string, error) {
	out, err := e.c.lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: &function})
	if isNotFound(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the policy of %s: %w", function, err)
	}
	var doc struct {
		Statement []struct {
			Sid       string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &doc); err != nil {
		return nil, fmt.Errorf("reading the policy of %s: %w", function, err)
	}
	got := map[string]string{}
	for _, s := range doc.Statement {
		got[s.Sid] = s.Condition["ArnLike"]["AWS:SourceArn"]
	}
	return got, nil
}

// planPermission returns the step that adds p (replacing a statement of
// the same Sid with another source), or nil if it is in place.
func planPermission(ctx context.Context, e *env, p permission) (*step, error) {
	got, err := e.permissionSources(ctx, p.function)
	if err != nil {
		return nil, err
	}
	old, ok := got[p.sid]
	src := p.source()
	if ok && old == src {
		return nil, nil
	}
	ch := deploy.Change{Action: deploy.Create, Kind: kindPermission, Name: p.function + "/" + p.sid}
	if ok {
		ch.Action, ch.Diffs = deploy.Update, []deploy.Diff{{Field: "source_arn", Old: old, New: src}}
	}
	return &step{ch, func(ctx context.Context) error {
		if ok {
			if _, err := e.c.lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: &p.function, StatementId: &p.sid}); err != nil && !isNotFound(err) {
				return err
			}
		}
		return p.add(ctx, e)
	}}, nil
}

func (p permission) add(ctx context.Context, e *env) error {
	in := &lambda.AddPermissionInput{FunctionName: &p.function, StatementId: &p.sid, Action: aws.String("lambda:InvokeFunction"),
		Principal: &p.principal, SourceArn: aws.String(p.source())}
	if p.account != "" {
		in.SourceAccount = &p.account
	}
	_, err := e.c.lambda.AddPermission(ctx, in)
	if errorCode(err, "ResourceConflictException") {
		return nil // added by an earlier, interrupted run
	}
	return err
}
