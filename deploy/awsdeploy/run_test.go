//go:build integration

package awsdeploy

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/faaskit/faas/examples/todo/todotest"
	"github.com/faaskit/faas/providers/awslambda/dynamottl"
	"github.com/faaskit/faas/providers/awslambda/lambdahost"
	"github.com/faaskit/faas/sdk"
)

// TestDeployedConfigRuns deploys the to-do into moto, reads each
// function's configuration and code back, and runs that zip under the
// local Lambda Runtime API host with that environment against the moto
// resources: the README walk-through's requests go in as API Gateway v2
// events, and the events the app publishes come back through the real SNS
// topic → SQS queue path to the stats function.
//
// What the test adds to the deployed environment, and why:
//   - AWS_ENDPOINT_URL, credentials and AWS_REGION: what Lambda and its
//     role provide, pointed at moto;
//   - use_path_style=true on the bucket URL: moto listens on an IP
//     address, where S3's virtual-hosted addressing cannot resolve;
//   - FAAS_AUTH_JWKS_URL, moto's JWKS of the pool: moto answers 500 for
//     the pool's openid-configuration, so the test serves discovery's
//     answer (the key set) directly instead of through the issuer, whose
//     address is the real Cognito's.
func TestDeployedConfigRuns(t *testing.T) {
	resetMoto(t)
	p, c := newProvider()
	tg := todoTarget(t, "run")
	_, out, _, err := deployOnce(t, p, c, tg)
	if err != nil {
		t.Fatal(err)
	}
	e := testEnv(t, p, tg)
	ctx := t.Context()

	// Read every function back: one zip, one environment but FAAS_FUNCTION.
	var zipBytes []byte
	var env map[string]string
	for _, f := range tg.Manifest.Functions {
		fn := must(e.c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(e.function(f.Name))}))
		code := download(t, e, aws.ToString(fn.Code.Location))
		sum := sha256.Sum256(code)
		if got := base64.StdEncoding.EncodeToString(sum[:]); got != aws.ToString(fn.Configuration.CodeSha256) {
			t.Fatalf("function %s: code at %s hashes to %s; CodeSha256 is %s", f.Name, aws.ToString(fn.Code.Location), got, aws.ToString(fn.Configuration.CodeSha256))
		}
		vars := maps.Clone(fn.Configuration.Environment.Variables)
		if vars["FAAS_FUNCTION"] != f.Name {
			t.Errorf("function %s has FAAS_FUNCTION=%q", f.Name, vars["FAAS_FUNCTION"])
		}
		delete(vars, "FAAS_FUNCTION") // the host sets it per function
		if zipBytes == nil {
			zipBytes, env = code, vars
		} else if !bytes.Equal(code, zipBytes) || !maps.Equal(vars, env) {
			t.Fatalf("function %s differs from the others in code or environment", f.Name)
		}
	}
	poolID := out.Extra["user_pool_id"]
	env["AWS_ENDPOINT_URL"], env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_REGION"] = motoURL, "test", "test", "us-east-1"
	env["FAAS_BUCKET_ATTACHMENTS"] += "&use_path_style=true&request_checksum_calculation=when_required&response_checksum_validation=when_required"
	env["FAAS_AUTH_JWKS_URL"] = motoURL + "/" + poolID + "/.well-known/jwks.json"
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	host := startHost(t, zipBytes, tg.Manifest, kv)
	api := httptest.NewServer(host) // requests in as API Gateway HTTP API (2.0) events
	defer api.Close()

	alice, bob := cognitoToken(t, e, poolID, out.ClientID, "alice@example.com"), cognitoToken(t, e, poolID, out.ClientID, "bob@example.com")
	client := todotest.New(t, api.URL)
	call, expect := client.Call, client.Expect

	// moto's request recorder logs every request the deployed app makes
	// (the bootstrap runs in its own process, beyond any SDK middleware of
	// this test): the to-do's lists and purge must Query, never Scan.
	motoRecorder(t, "reset-recording")
	motoRecorder(t, "start-recording")

	st, body := call("GET", "/api/auth/config", "", "", "")
	expect("auth config", st, body, 200, `"issuer":"`+out.Issuer+`"`)
	expect("auth config", st, body, 200, `"client_id":"`+out.ClientID+`"`)
	st, body = call("GET", "/api/todos", "", "", "")
	expect("no token", st, body, 401, "")

	// The walk-through: create, list, complete, attach, read back, another user, a stale revision.
	st, body = call("POST", "/api/todos", alice, "application/json", `{"title":"Buy milk","due":"2026-12-01"}`)
	expect("create", st, body, 201, `"title":"Buy milk"`)
	var todo struct{ ID string }
	json.Unmarshal([]byte(body), &todo)
	st, body = call("GET", "/api/todos?status=open", alice, "", "")
	expect("list", st, body, 200, `"title":"Buy milk"`)
	st, body = call("PATCH", "/api/todos/"+todo.ID, alice, "application/json", `{"done":true}`)
	expect("complete", st, body, 200, `"done":true`)
	st, body = call("PUT", "/api/todos/"+todo.ID+"/attachments/receipt.txt", alice, "text/plain", "paid 2.49")
	expect("upload", st, body, 201, `"name":"receipt.txt","size":9`)
	st, body = call("GET", "/api/todos/"+todo.ID+"/attachments/receipt.txt", alice, "", "")
	expect("download", st, body, 200, "paid 2.49")
	st, body = call("GET", "/api/todos/"+todo.ID, bob, "", "")
	expect("another user", st, body, 404, `"code":"not_found"`)
	st, body = call("PATCH", "/api/todos/"+todo.ID, alice, "application/json", `{"title":"x","revision":"1"}`)
	expect("stale revision", st, body, 409, `"code":"conflict"`)

	// The upload's S3 notification (moto does not deliver it to Lambda):
	// the object the app wrote, as S3 would report it.
	objs := must(e.c.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(e.bucket("attachments"))}))
	if len(objs.Contents) != 1 {
		t.Fatalf("the attachments bucket holds %d objects; want the upload", len(objs.Contents))
	}
	obj := objs.Contents[0]
	if err := host.DeliverBlob(ctx, "attachment-meta", &sdk.BlobEvent{Kind: sdk.BlobCreated, Bucket: e.bucket("attachments"),
		Key: aws.ToString(obj.Key), Size: aws.ToInt64(obj.Size), ETag: aws.ToString(obj.ETag), Time: time.Now()}); err != nil {
		t.Fatalf("attachment-meta: %v", err)
	}
	st, body = call("GET", "/api/todos/"+todo.ID, alice, "", "")
	expect("the to-do lists its attachment", st, body, 200, `"name":"receipt.txt"`)
	// A schedule tick runs the purge.
	if err := host.FireSchedule(ctx, "purge", &sdk.ScheduleEvent{ID: "tick-1", Time: time.Now()}); err != nil {
		t.Errorf("purge: %v", err)
	}

	// The events the app published (created, completed) went to the real
	// SNS topic; they wait in the stats queue. Deliver them as the event
	// source mapping does, and delete the ones the function did not fail.
	delivered := deliverQueue(t, e, host, "stats", 2)
	if delivered != 2 {
		t.Fatalf("%d message(s) reached the stats queue through SNS; want 2 (todo.created, todo.completed)", delivered)
	}
	st, body = call("GET", "/api/stats", alice, "", "")
	expect("stats", st, body, 200, `{"created":1,"completed":1,"deleted":0}`)
	st, body = call("GET", "/api/todos?limit=1", alice, "", "")
	expect("list all, first page", st, body, 200, `"title":"Buy milk"`)

	// The stats table's TTL is on faas_ttl: the deployed bootstrap wrote it
	// beside every event record's expires_at, in epoch seconds.
	items := must(e.c.ddb.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(e.table("stats"))})).Items
	records := 0
	for _, it := range items {
		exp, ok := it["expires_at"].(*ddbtypes.AttributeValueMemberS)
		if !ok {
			if _, has := it[dynamottl.Attribute]; has {
				t.Errorf("stats item %v has %s but no expiry", it["user"], dynamottl.Attribute)
			}
			continue
		}
		records++
		at, err := time.Parse(time.RFC3339Nano, exp.Value)
		if err != nil {
			t.Fatalf("expires_at %q: %v", exp.Value, err)
		}
		if n, ok := it[dynamottl.Attribute].(*ddbtypes.AttributeValueMemberN); !ok || n.Value != strconv.FormatInt(at.Unix(), 10) {
			t.Errorf("event record %v: %s = %#v; want the Number %d (expires_at %s)", it["user"], dynamottl.Attribute, it[dynamottl.Attribute], at.Unix(), exp.Value)
		}
	}
	if records != 2 {
		t.Errorf("the stats table holds %d event records; want 2 (one per event counted)", records)
	}

	motoRecorder(t, "stop-recording")
	ops := dynamoCalls(t, e.table("todos"))
	t.Logf("DynamoDB calls on the todos table during the walk-through and purge: %v", ops)
	if ops["Scan"] != 0 {
		t.Errorf("the to-do app scanned its table %d time(s); every list and the purge must Query an index", ops["Scan"])
	}
	// The open list, the full list and the purge each Query an index.
	for _, ix := range []sdk.Index{{Partition: "list_status", Sort: "list_order"}, {Partition: "list_owner", Sort: "list_order"}, {Partition: "purge_bucket", Sort: "purge_at"}} {
		if ops["Query:"+ix.IndexName()] == 0 {
			t.Errorf("DynamoDB calls %v; want a Query on the index %s", ops, ix.IndexName())
		}
	}
	if ops["Query:"] != 0 {
		t.Errorf("%d Query call(s) on the table itself, not an index: %v", ops["Query:"], ops)
	}
}

// motoRecorder calls moto's request recorder: reset-recording,
// start-recording or stop-recording.
func motoRecorder(t *testing.T, action string) {
	t.Helper()
	resp, err := http.Post(motoURL+"/moto-api/recorder/"+action, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto recorder %s: %s", action, resp.Status)
	}
}

// dynamoCalls counts the DynamoDB operations moto recorded on table:
// "Scan", and "Query:<index>" ("Query:" for the table itself).
func dynamoCalls(t *testing.T, table string) map[string]int {
	t.Helper()
	resp, err := http.Get(motoURL + "/moto-api/recorder/download-recording")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	for _, line := range strings.Split(string(data), "\n") {
		var rec struct {
			Headers     map[string]string `json:"headers"`
			Body        string            `json:"body"`
			BodyEncoded bool              `json:"body_encoded"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		op, ok := strings.CutPrefix(rec.Headers["X-Amz-Target"], "DynamoDB_20120810.")
		if !ok {
			continue
		}
		body := []byte(rec.Body)
		if rec.BodyEncoded {
			if body, err = base64.StdEncoding.DecodeString(rec.Body); err != nil {
				t.Fatalf("recording: %v", err)
			}
		}
		var in struct{ TableName, IndexName string }
		json.Unmarshal(body, &in)
		if in.TableName != table {
			continue
		}
		switch op {
		case "Scan":
			ops["Scan"]++
		case "Query":
			ops["Query:"+in.IndexName]++
		}
	}
	return ops
}

// download fetches a function's code from GetFunction's Code.Location.
// moto answers with a virtual-hosted URL it does not serve,
// https://<bucket>.s3.<region>.amazonaws.com/<key>: the code is read from
// moto's S3 at that bucket and key, else at that key in the artifact
// bucket (the caller checks the bytes against CodeSha256 either way).
func download(t *testing.T, e *env, location string) []byte {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	bucket, _, _ := strings.Cut(u.Host, ".")
	key := strings.TrimPrefix(u.Path, "/")
	for _, b := range []string{bucket, e.artifactBucket()} {
		obj, err := e.c.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		if err != nil {
			continue
		}
		data, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		if err == nil {
			return data
		}
	}
	t.Fatalf("the function code at %s is in neither moto's bucket %s nor the artifact bucket", location, bucket)
	return nil
}

// startHost unpacks the bootstrap from the deployment zip, as Lambda
// does, and serves it under lambdahost.
func startHost(t *testing.T, zipBytes []byte, m *sdk.Manifest, env []string) *lambdahost.Host {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := io.ReadAll(rc)
	rc.Close()
	path := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	h, err := lambdahost.New(path, m, &lambdahost.Options{Env: env, Stderr: testWriter{t}, MaxConcurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("bootstrap: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// cognitoToken creates a confirmed user in the pool and signs it in
// through the app client, returning its access token.
func cognitoToken(t *testing.T, e *env, poolID, clientID, email string) string {
	t.Helper()
	ctx := t.Context()
	const pw = "Passw0rd!Passw0rd"
	must(e.c.cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &poolID, Username: &email, MessageAction: ciptypes.MessageActionTypeSuppress}))
	must(e.c.cognito.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &poolID, Username: &email, Password: aws.String(pw), Permanent: true}))
	out := must(e.c.cognito.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: &poolID, ClientId: &clientID,
		AuthFlow: ciptypes.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": pw}}))
	return aws.ToString(out.AuthenticationResult.AccessToken)
}

// deliverQueue receives up to want messages from function's queue and
// invokes the function with them as one SQS batch, as Lambda's event
// source mapping does, deleting those not reported failed. It returns how
// many it delivered.
func deliverQueue(t *testing.T, e *env, host *lambdahost.Host, function string, want int) int {
	t.Helper()
	ctx := t.Context()
	q := must(e.c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(e.queue(function))}))
	var msgs []sqstypes.Message
	for try := 0; try < 10 && len(msgs) < want; try++ {
		r := must(e.c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}, MessageAttributeNames: []string{"All"}}))
		msgs = append(msgs, r.Messages...)
	}
	ev := events.SQSEvent{}
	for _, m := range msgs {
		attrs := map[string]events.SQSMessageAttribute{}
		for k, a := range m.MessageAttributes {
			attrs[k] = events.SQSMessageAttribute{StringValue: a.StringValue, BinaryValue: a.BinaryValue, DataType: aws.ToString(a.DataType)}
		}
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
			Md5OfBody: aws.ToString(m.MD5OfBody), Attributes: m.Attributes, MessageAttributes: attrs, EventSource: "aws:sqs",
			EventSourceARN: e.queueARN(e.queue(function)), AWSRegion: e.region})
	}
	if len(ev.Records) == 0 {
		return 0
	}
	payload, _ := json.Marshal(ev)
	res, err := host.Invoke(ctx, function, payload)
	if err != nil {
		t.Fatalf("%s: %v", function, err)
	}
	var resp events.SQSEventResponse
	json.Unmarshal(res, &resp)
	if len(resp.BatchItemFailures) > 0 {
		t.Fatalf("%s reported failures %v: %s", function, resp.BatchItemFailures, res)
	}
	for _, m := range msgs {
		must(e.c.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}))
	}
	return len(msgs)
}
