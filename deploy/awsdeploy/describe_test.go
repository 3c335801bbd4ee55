//go:build integration

package awsdeploy

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/providers/awslambda/dynamottl"
)

// testEnv connects like the deployer does, for the tests' own describes.
func testEnv(t *testing.T, p Provider, tg *deploy.Target) *env {
	t.Helper()
	e, err := Provider{}.newEnv(t.Context(), tg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// must returns v, and panics (failing the test) on err: for describe
// calls whose failure means the deployment is missing.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("describing the deployment: %v", err))
	}
	return v
}

// checkDeployed reads every resource of the to-do deployment back through
// the SDK's describe calls and checks its settings.
func checkDeployed(t *testing.T, p Provider, tg *deploy.Target, out *deploy.Outputs) {
	t.Helper()
	e := testEnv(t, p, tg)
	ctx := t.Context()
	poolID := strings.TrimPrefix(out.Issuer, "https://cognito-idp.us-east-1.amazonaws.com/")

	// Functions: one per app function, from one zip, with the bindings.
	for _, f := range tg.Manifest.Functions {
		fn := must(e.c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(e.function(f.Name))}))
		c := fn.Configuration
		if c.Runtime != "provided.al2023" || aws.ToString(c.Handler) != "bootstrap" || string(c.Architectures[0]) != "x86_64" ||
			aws.ToInt32(c.MemorySize) != int32(f.MemoryMB) || aws.ToInt32(c.Timeout) != int32(f.Timeout.Seconds()) || aws.ToString(c.CodeSha256) != e.zipSHA {
			t.Errorf("function %s: runtime %s handler %s arch %v memory %d timeout %d sha %s", f.Name, c.Runtime, aws.ToString(c.Handler), c.Architectures, aws.ToInt32(c.MemorySize), aws.ToInt32(c.Timeout), aws.ToString(c.CodeSha256))
		}
		want := map[string]string{
			"FAAS_FUNCTION":             f.Name,
			"FAAS_BUCKET_ATTACHMENTS":   "s3://" + e.bucket("attachments") + "?region=us-east-1",
			"FAAS_COLLECTION_TODOS":     "dynamodb://todo-dev-todos?partition_key=id",
			"FAAS_COLLECTION_STATS":     "dynamodb+ttl://todo-dev-stats?partition_key=user&ttl_field=expires_at",
			"FAAS_TOPIC_EVENTS":         "awssns:///arn:aws:sns:us-east-1:123456789012:todo-dev-events?region=us-east-1",
			"FAAS_AUTH_ISSUER":          out.Issuer,
			"FAAS_AUTH_AUDIENCE":        out.ClientID,
			"FAAS_AUTH_CLIENT_ID":       out.ClientID,
			"FAAS_AUTH_CLIENT_ID_CLAIM": "client_id",
		}
		if got := c.Environment.Variables; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("function %s environment:\n got %v\nwant %v", f.Name, got, want)
		}
		if fn.Tags[TagApp] != "todo" || fn.Tags[TagStage] != "dev" {
			t.Errorf("function %s tags %v", f.Name, fn.Tags)
		}
	}

	// Log groups keep 30 days.
	lg := must(e.c.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/todo-dev-")}))
	if len(lg.LogGroups) != len(tg.Manifest.Functions) {
		t.Errorf("%d log groups; want %d", len(lg.LogGroups), len(tg.Manifest.Functions))
	}
	for _, g := range lg.LogGroups {
		if aws.ToInt32(g.RetentionInDays) != logRetentionDays {
			t.Errorf("log group %s keeps %d days", aws.ToString(g.LogGroupName), aws.ToInt32(g.RetentionInDays))
		}
	}

	// The role grants nothing on "*".
	pol := must(e.c.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("todo-dev-fn"), PolicyName: aws.String(policyName)}))
	doc, _ := url.QueryUnescape(aws.ToString(pol.PolicyDocument))
	checkNoStar(t, "todo-dev-fn", doc)

	// Tables: the declared key, and TTL on the epoch-seconds shadow of the
	// stats' expiry field (the to-dos declare none).
	for name, want := range map[string]struct{ key, ttl string }{"todo-dev-todos": {"id", ""}, "todo-dev-stats": {"user", dynamottl.Attribute}} {
		d := must(e.c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}))
		if hashKey(d.Table.KeySchema) != want.key {
			t.Errorf("table %s key %v; want %s", name, d.Table.KeySchema, want.key)
		}
		ttl := must(e.c.ddb.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})).TimeToLiveDescription
		got := ""
		if ttl != nil && ttl.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabled {
			got = aws.ToString(ttl.AttributeName)
		}
		if got != want.ttl {
			t.Errorf("table %s has TTL on %q; want %q", name, got, want.ttl)
		}
	}

	// The stats queue: the topic's policy, the DLQ after 8 attempts, raw delivery, batch failures.
	q := must(e.c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("todo-dev-stats")}))
	qa := must(e.c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}}))
	var redrive map[string]any
	json.Unmarshal([]byte(qa.Attributes["RedrivePolicy"]), &redrive)
	if fmt.Sprint(redrive["maxReceiveCount"]) != "8" || redrive["deadLetterTargetArn"] != "arn:aws:sqs:us-east-1:123456789012:todo-dev-stats-dlq" {
		t.Errorf("stats queue redrive policy %v", redrive)
	}
	var qp policy
	json.Unmarshal([]byte(qa.Attributes["Policy"]), &qp)
	if len(qp.Statement) != 1 || fmt.Sprint(qp.Statement[0].Condition) != "map[ArnEquals:map[aws:SourceArn:arn:aws:sns:us-east-1:123456789012:todo-dev-events]]" ||
		fmt.Sprint(qp.Statement[0].Action) != "[sqs:SendMessage]" {
		t.Errorf("stats queue policy %s: want it limited to the events topic", qa.Attributes["Policy"])
	}
	subs := must(e.c.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(e.topicARN("events"))}))
	if len(subs.Subscriptions) != 1 {
		t.Fatalf("events topic subscriptions %v", subs.Subscriptions)
	}
	sa := must(e.c.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: subs.Subscriptions[0].SubscriptionArn}))
	if sa.Attributes["RawMessageDelivery"] != "true" || aws.ToString(subs.Subscriptions[0].Endpoint) != e.queueARN("todo-dev-stats") {
		t.Errorf("subscription %v", sa.Attributes)
	}
	ms := must(e.c.lambda.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String("todo-dev-stats")}))
	if len(ms.EventSourceMappings) != 1 || fmt.Sprint(ms.EventSourceMappings[0].FunctionResponseTypes) != "[ReportBatchItemFailures]" {
		t.Errorf("stats event source mappings %+v", ms.EventSourceMappings)
	}

	// The attachments bucket notifies attachment-meta, which only that bucket may invoke.
	bucket := e.bucket("attachments")
	nc := must(e.c.s3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: &bucket}))
	if len(nc.LambdaFunctionConfigurations) != 1 || aws.ToString(nc.LambdaFunctionConfigurations[0].LambdaFunctionArn) != e.functionARN("attachment-meta") ||
		fmt.Sprint(nc.LambdaFunctionConfigurations[0].Events) != "[s3:ObjectCreated:* s3:ObjectRemoved:*]" {
		t.Errorf("bucket notifications %+v", nc.LambdaFunctionConfigurations)
	}
	src := must(e.permissionSources(ctx, "todo-dev-attachment-meta"))
	if src["faas-s3-attachments"] != "arn:aws:s3:::"+bucket {
		t.Errorf("attachment-meta permissions %v", src)
	}
	apiID := out.Extra["api_id"]
	src = must(e.permissionSources(ctx, "todo-dev-web"))
	if src["faas-apigateway"] != "arn:aws:execute-api:us-east-1:123456789012:"+apiID+"/*/*" {
		t.Errorf("web permissions %v", src)
	}

	// The purge schedule, in the app+stage's group, with the scheduler's role.
	s := must(e.c.sched.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("purge"), GroupName: aws.String("todo-dev")}))
	if aws.ToString(s.ScheduleExpression) != "cron(0 3 * * ? *)" || aws.ToString(s.Target.Arn) != e.functionARN("purge") || aws.ToString(s.Target.RoleArn) != e.roleARN("todo-dev-scheduler") {
		t.Errorf("schedule %s → %s as %s", aws.ToString(s.ScheduleExpression), aws.ToString(s.Target.Arn), aws.ToString(s.Target.RoleArn))
	}

	// The HTTP API: $default route to the web function, $default stage.
	rs := must(e.c.apigw.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: &apiID}))
	is := must(e.c.apigw.GetIntegrations(ctx, &apigatewayv2.GetIntegrationsInput{ApiId: &apiID}))
	if len(rs.Items) != 1 || aws.ToString(rs.Items[0].RouteKey) != "$default" || len(is.Items) != 1 ||
		aws.ToString(rs.Items[0].Target) != "integrations/"+aws.ToString(is.Items[0].IntegrationId) ||
		aws.ToString(is.Items[0].IntegrationUri) != e.functionARN("web") || aws.ToString(is.Items[0].PayloadFormatVersion) != "2.0" {
		t.Errorf("routes %+v integrations %+v", rs.Items, is.Items)
	}
	st := must(e.c.apigw.GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: &apiID, StageName: aws.String("$default")}))
	if !aws.ToBool(st.AutoDeploy) {
		t.Error("the $default stage does not auto-deploy")
	}

	// Cognito: pool, client back to the app's origin, hosted domain.
	up := must(e.c.cognito.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &poolID}))
	cl := must(e.c.cognito.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &poolID, ClientId: &out.ClientID}))
	if aws.ToString(up.UserPool.Domain) != e.names.domain() || !slices.Equal(cl.UserPoolClient.CallbackURLs, []string{out.URL + "/"}) ||
		fmt.Sprint(cl.UserPoolClient.AllowedOAuthFlows) != "[code]" {
		t.Errorf("user pool domain %q, client callbacks %v flows %v", aws.ToString(up.UserPool.Domain), cl.UserPoolClient.CallbackURLs, cl.UserPoolClient.AllowedOAuthFlows)
	}
}

// checkNoStar fails if a policy document grants anything on "*".
func checkNoStar(t *testing.T, role, doc string) {
	t.Helper()
	var p policy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("role %s policy %q: %v", role, doc, err)
	}
	for _, s := range p.Statement {
		for _, r := range s.Resource {
			if r == "*" || strings.HasSuffix(r, ":*:*") {
				t.Errorf("role %s statement %s grants %v on %q", role, s.Sid, s.Action, r)
			}
		}
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				t.Errorf("role %s statement %s grants the wildcard action %q", role, s.Sid, a)
			}
		}
	}
}

// owned lists what is left of the app+stage in every service it uses,
// found by name prefix (and by tags where the service has them).
func owned(t *testing.T, p Provider, tg *deploy.Target) []deploy.Resource {
	t.Helper()
	e := testEnv(t, p, tg)
	ctx := t.Context()
	pre := e.prefix() + "-"
	var rs []deploy.Resource
	add := func(kind, name string) { rs = append(rs, deploy.Resource{Kind: kind, Name: name}) }
	for _, f := range must(e.c.lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{})).Functions {
		if strings.HasPrefix(aws.ToString(f.FunctionName), pre) {
			add(kindFunction, aws.ToString(f.FunctionName))
		}
	}
	for _, m := range must(e.c.lambda.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{})).EventSourceMappings {
		add(kindMapping, aws.ToString(m.UUID))
	}
	for _, u := range must(e.c.sqs.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(pre)})).QueueUrls {
		add(kindQueue, u)
	}
	for _, tp := range must(e.c.sns.ListTopics(ctx, &sns.ListTopicsInput{})).Topics {
		if strings.Contains(aws.ToString(tp.TopicArn), ":"+pre) {
			add(kindTopic, aws.ToString(tp.TopicArn))
		}
	}
	for _, s := range must(e.c.sns.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})).Subscriptions {
		add(kindSubscription, aws.ToString(s.SubscriptionArn))
	}
	for _, n := range must(e.c.ddb.ListTables(ctx, &dynamodb.ListTablesInput{})).TableNames {
		if strings.HasPrefix(n, pre) {
			add(kindTable, n)
		}
	}
	for _, b := range must(e.c.s3.ListBuckets(ctx, &s3.ListBucketsInput{})).Buckets {
		if strings.HasPrefix(aws.ToString(b.Name), pre) {
			add(kindBucket, aws.ToString(b.Name))
		}
	}
	for _, g := range must(e.c.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/" + pre)})).LogGroups {
		add(kindLogGroup, aws.ToString(g.LogGroupName))
	}
	for _, r := range must(e.c.iam.ListRoles(ctx, &iam.ListRolesInput{})).Roles {
		if strings.HasPrefix(aws.ToString(r.RoleName), pre) {
			add(kindRole, aws.ToString(r.RoleName))
		}
	}
	for _, a := range must(e.c.apigw.GetApis(ctx, &apigatewayv2.GetApisInput{})).Items {
		if aws.ToString(a.Name) == e.api() {
			add(kindAPI, aws.ToString(a.Name))
		}
	}
	for _, g := range must(e.c.sched.ListScheduleGroups(ctx, &scheduler.ListScheduleGroupsInput{NamePrefix: aws.String(e.scheduleGroup())})).ScheduleGroups {
		add(kindScheduleGroup, aws.ToString(g.Name))
	}
	for _, up := range must(e.c.cognito.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})).UserPools {
		if aws.ToString(up.Name) == e.userPool() {
			add(kindUserPool, aws.ToString(up.Name))
		}
	}
	return rs
}

// snapshot describes the deployed state, with the IDs that differ between
// two deploys (API, user pool, client, subscription and mapping IDs)
// replaced by placeholders, so two deploys of the same app compare equal.
func snapshot(t *testing.T, p Provider, tg *deploy.Target) map[string]string {
	t.Helper()
	out := must(p.Outputs(t.Context(), tg))
	e := testEnv(t, p, tg)
	ctx := t.Context()
	ids := strings.NewReplacer(out.Extra["api_id"], "<api>", out.Extra["user_pool_id"], "<pool>", out.ClientID, "<client>")
	snap := map[string]string{}
	for _, f := range tg.Manifest.Functions {
		c := must(e.c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(e.function(f.Name))})).Configuration
		snap["function "+f.Name] = ids.Replace(fmt.Sprint(aws.ToInt32(c.MemorySize), aws.ToInt32(c.Timeout), c.Architectures, aws.ToString(c.Role), aws.ToString(c.CodeSha256), c.Environment.Variables))
		src := must(e.permissionSources(ctx, e.function(f.Name)))
		snap["permissions "+f.Name] = ids.Replace(fmt.Sprint(src))
		ms := must(e.c.lambda.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(e.function(f.Name))}))
		var m []string
		for _, x := range ms.EventSourceMappings {
			m = append(m, aws.ToString(x.EventSourceArn)+fmt.Sprint(x.FunctionResponseTypes))
		}
		snap["mappings "+f.Name] = fmt.Sprint(m)
	}
	for _, r := range owned(t, p, tg) {
		if r.Kind == kindMapping || r.Kind == kindSubscription {
			snap["count "+r.Kind] += "x"
			continue
		}
		snap[r.Kind+" "+r.Name] = "present"
	}
	rs := must(e.c.apigw.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: aws.String(out.Extra["api_id"])}))
	for _, r := range rs.Items {
		snap["route "+aws.ToString(r.RouteKey)] = "present"
	}
	pol := must(e.c.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(e.role()), PolicyName: aws.String(policyName)}))
	snap["role policy"] = aws.ToString(pol.PolicyDocument)
	return snap
}

func equalSnapshots(a, b map[string]string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }
