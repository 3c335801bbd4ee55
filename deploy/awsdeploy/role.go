package awsdeploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindRole is the IAM role kind.
const kindRole = "iam-role"

// policyName is the name of the inline policy on each role.
const policyName = "faas"

// policy is an IAM policy document.
type policy struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

// statement is one IAM policy statement.
type statement struct {
	Sid       string            `json:"Sid,omitempty"`
	Effect    string            `json:"Effect"`
	Principal map[string]string `json:"Principal,omitempty"`
	Action    []string          `json:"Action"`
	Resource  []string          `json:"Resource,omitempty"`
	Condition map[string]any    `json:"Condition,omitempty"`
}

func trust(service string) policy {
	return policy{Version: "2012-10-17", Statement: []statement{{Effect: "Allow", Principal: map[string]string{"Service": service}, Action: []string{"sts:AssumeRole"}}}}
}

// functionPolicy is the least-privilege policy of the functions' role:
// per declared resource, only the actions its kind needs, on its ARNs.
func (e *env) functionPolicy() policy {
	p := policy{Version: "2012-10-17"}
	var logs []string
	for _, f := range e.t.Manifest.Functions {
		logs = append(logs, e.logGroupARN(f.Name)+":*")
	}
	p.Statement = append(p.Statement, statement{Sid: "Logs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: logs})
	for _, r := range e.t.Manifest.Resources {
		if r.URL != "" {
			continue // bound by the app itself
		}
		switch r.Kind {
		case sdk.KindBucket:
			b := "arn:aws:s3:::" + e.bucket(r.Name)
			p.Statement = append(p.Statement,
				statement{Sid: sid("Bucket", r.Name, "Objects"), Effect: "Allow", Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, Resource: []string{b + "/*"}},
				statement{Sid: sid("Bucket", r.Name, "List"), Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{b}})
		case sdk.KindCollection:
			// Transactions (TransactWriteItems, TransactGetItems) are
			// authorised by the item actions they contain.
			t := e.tableARN(r.Name)
			p.Statement = append(p.Statement, statement{Sid: sid("Collection", r.Name, ""), Effect: "Allow", Action: []string{
				"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
				"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem",
			}, Resource: []string{t, t + "/index/*"}})
		case sdk.KindTopic:
			p.Statement = append(p.Statement, statement{Sid: sid("Topic", r.Name, ""), Effect: "Allow", Action: []string{"sns:Publish"}, Resource: []string{e.topicARN(r.Name)}})
		}
	}
	var queues []string
	for _, f := range e.t.Manifest.Functions {
		if f.Message != nil {
			queues = append(queues, e.queueARN(e.queue(f.Name)))
		}
	}
	if len(queues) > 0 {
		p.Statement = append(p.Statement, statement{Sid: "Queues", Effect: "Allow", Action: []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}, Resource: queues})
	}
	return p
}

// sid makes a statement ID ([A-Za-z0-9]) from a resource name.
func sid(kind, name, suffix string) string {
	s := kind
	up := true
	for _, c := range name {
		switch {
		case c == '-' || c == '_':
			up = true
		case up && c >= 'a' && c <= 'z':
			s += string(c - 'a' + 'A')
			up = false
		default:
			s += string(c)
			up = false
		}
	}
	return s + suffix
}

// Policies returns the IAM policies a deployment of t would attach, by
// role name, without any call (account 123456789012, region us-east-1):
// the functions' role and the scheduler's. For policy linting.
func Policies(t *deploy.Target) map[string]any {
	e := &env{t: t, names: names{app: t.App(), stage: t.Stage, region: "us-east-1", account: "123456789012"}}
	return map[string]any{e.role(): e.functionPolicy(), e.schedulerRole(): e.schedulerPolicy()}
}

func planRole(ctx context.Context, e *env) ([]step, int, error) {
	return planRoleNamed(ctx, e, e.role(), "lambda.amazonaws.com", e.functionPolicy())
}

// planRoleNamed reconciles one role with its trust policy and its inline
// policy.
func planRoleNamed(ctx context.Context, e *env, name, service string, want policy) ([]step, int, error) {
	put := func(ctx context.Context) error {
		doc, _ := json.Marshal(want)
		_, err := e.c.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: aws.String(policyName), PolicyDocument: aws.String(string(doc))})
		return err
	}
	_, err := e.c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	if isNotFound(err) {
		return []step{{deploy.Change{Action: deploy.Create, Kind: kindRole, Name: name}, func(ctx context.Context) error {
			tr, _ := json.Marshal(trust(service))
			var tags []iamtypes.Tag
			for k, v := range e.tags() {
				tags = append(tags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
			}
			_, err := e.c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(string(tr)), Tags: tags,
				Description: aws.String("faas: " + e.prefix())})
			if err != nil && !errorCode(err, "EntityAlreadyExists") {
				return err
			}
			return put(ctx)
		}}}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading role %s: %w", name, err)
	}
	out, err := e.c.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: aws.String(policyName)})
	if err != nil && !isNotFound(err) {
		return nil, 0, fmt.Errorf("reading the policy of role %s: %w", name, err)
	}
	old := ""
	if err == nil {
		old, _ = url.QueryUnescape(aws.ToString(out.PolicyDocument))
	}
	if samePolicy(old, want) {
		return nil, 1, nil
	}
	return []step{{deploy.Change{Action: deploy.Update, Kind: kindRole, Name: name, Diffs: []deploy.Diff{{Field: "policy", Old: summary(old), New: "the manifest's"}}}, put}}, 0, nil
}

// samePolicy reports whether the JSON document old is want.
func samePolicy(old string, want policy) bool {
	var a, b any
	if json.Unmarshal([]byte(old), &a) != nil {
		return false
	}
	doc, _ := json.Marshal(want)
	json.Unmarshal(doc, &b)
	return reflect.DeepEqual(a, b)
}

func summary(doc string) string {
	if doc == "" {
		return "none"
	}
	var p policy
	json.Unmarshal([]byte(doc), &p)
	return fmt.Sprintf("%d statement(s)", len(p.Statement))
}

func destroyRole(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	return deleteRole(ctx, e, e.role(), res)
}

func deleteRole(ctx context.Context, e *env, name string, res *deploy.DestroyResult) error {
	if _, err := e.c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: &name}); err != nil {
		if isNotFound(err) {
			return nil
		}
		return err
	}
	if _, err := e.c.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: aws.String(policyName)}); err != nil && !isNotFound(err) {
		return err
	}
	if _, err := e.c.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name}); err != nil && !isNotFound(err) {
		return err
	}
	e.deleted(res, kindRole, name)
	return nil
}
