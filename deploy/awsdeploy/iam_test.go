//go:build integration

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

// policyTemplate wraps policies in a throwaway CloudFormation template
// (one role each, and the stats queue's policy) written to dir/name.
func policyTemplate(t *testing.T, dir, name string, roles map[string]any, queuePolicy any) string {
	t.Helper()
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
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lint runs cfn-lint once on the templates, which checks every action
// against the service's list (W3037) and the documents' shape, and
// returns its findings by template.
func lint(t *testing.T, paths ...string) map[string]string {
	t.Helper()
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint is missing: install it with pip install cfn-lint (the IAM test lints the generated policies with it)")
	}
	out, _ := exec.CommandContext(t.Context(), bin, append([]string{"--format", "parseable"}, paths...)...).CombinedOutput()
	found := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		for _, p := range paths {
			if strings.HasPrefix(line, p+":") {
				found[p] += line + "\n"
			}
		}
	}
	return found
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
	dir := t.TempDir()
	good := policyTemplate(t, dir, "generated.json", pols, qp)
	// The check can fail: a misspelt action must be reported.
	bad := policyTemplate(t, dir, "misspelt.json", map[string]any{"bad": policy{Version: "2012-10-17", Statement: []statement{
		{Effect: "Allow", Action: []string{"dynamodb:GetItems"}, Resource: []string{e.tableARN("todos")}}}}}, qp)
	found := lint(t, good, bad)
	if found[good] != "" {
		t.Errorf("cfn-lint rejects the generated policies:\n%s", found[good])
	}
	if !strings.Contains(found[bad], "getitems") {
		t.Errorf("cfn-lint passed a policy with dynamodb:GetItems (%q); the lint is not checking actions", found[bad])
	}
	for role, p := range pols {
		doc, _ := json.Marshal(p)
		checkNoStar(t, role, string(doc))
	}
}
