package awsdeploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faaskit/faas/sdk"
)

// lintPolicies wraps the policies in a throwaway CloudFormation template
// (one role each, and the stats queue's policy) and runs cfn-lint on it,
// which checks every action against the service's list (W3037) and the
// documents' shape. It returns cfn-lint's output and whether it passed.
func lintPolicies(t *testing.T, roles map[string]any, queuePolicy any) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint is missing: install it with pip install cfn-lint (the IAM test lints the generated policies with it)")
	}
	res := map[string]any{}
	i := 0
	for name, doc := range roles {
		i++
		res["Role"+string(rune('A'+i))] = map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
			"RoleName":                 name,
			"AssumeRolePolicyDocument": trust("lambda.amazonaws.com"),
			"Policies":                 []any{map[string]any{"PolicyName": policyName, "PolicyDocument": doc}},
		}}
	}
	res["QueuePolicy"] = map[string]any{"Type": "AWS::SQS::QueuePolicy", "Properties": map[string]any{
		"Queues": []string{"https://sqs.us-east-1.amazonaws.com/123456789012/todo-dev-stats"}, "PolicyDocument": queuePolicy}}
	b, _ := json.MarshalIndent(map[string]any{"AWSTemplateFormatVersion": "2010-09-09", "Resources": res}, "", " ")
	path := filepath.Join(t.TempDir(), "policies.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), bin, path).CombinedOutput()
	return string(out), err == nil
}

func TestIAMPoliciesLintAndNoStar(t *testing.T) {
	tg := todoTarget(t, "dev")
	pols := Policies(tg)
	e := &env{t: tg, names: names{app: "todo", stage: "dev", region: "us-east-1", account: "123456789012"}}
	var stats sdk.FunctionManifest
	for _, f := range tg.Manifest.Functions {
		if f.Message != nil {
			stats = f
		}
	}
	var qp any
	json.Unmarshal([]byte(e.queueAttrs(stats, false)["Policy"]), &qp)
	if out, ok := lintPolicies(t, pols, qp); !ok {
		t.Errorf("cfn-lint rejects the generated policies:\n%s", out)
	}
	for role, p := range pols {
		doc, _ := json.Marshal(p)
		checkNoStar(t, role, string(doc))
	}
	// The check can fail: a misspelt action is reported.
	bad := policy{Version: "2012-10-17", Statement: []statement{{Effect: "Allow", Action: []string{"dynamodb:GetItems"}, Resource: []string{e.tableARN("todos")}}}}
	if out, ok := lintPolicies(t, map[string]any{"bad": bad}, qp); ok || !strings.Contains(out, "getitems") {
		t.Errorf("cfn-lint passed a policy with dynamodb:GetItems:\n%s", out)
	}
}
