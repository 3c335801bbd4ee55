//go:build integration

package awslambda_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/faaskit/faas/providers/awslambda"
	"github.com/faaskit/faas/sdk"
	"gocloud.dev/pubsub"
)

// moto is one moto_server per test binary, started on first use and
// stopped by TestMain.
var moto struct {
	once sync.Once
	cmd  *exec.Cmd
	url  string
	err  error
}

var runningRE = regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)

func startMoto(t *testing.T) string {
	t.Helper()
	moto.once.Do(func() {
		path, err := exec.LookPath("moto_server")
		if err != nil {
			moto.err = fmt.Errorf("moto_server is not on PATH: install it with `pip install 'moto[server]'` (the AWS binding tests run against it)")
			return
		}
		cmd := exec.Command(path, "-H", "127.0.0.1", "-p", "0")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			moto.err = err
			return
		}
		if err := cmd.Start(); err != nil {
			moto.err = fmt.Errorf("starting moto_server: %w", err)
			return
		}
		moto.cmd = cmd
		found := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if m := runningRE.FindStringSubmatch(sc.Text()); m != nil {
					select {
					case found <- m[1]:
					default:
					}
				}
			}
		}()
		select {
		case moto.url = <-found:
		case <-time.After(30 * time.Second):
			moto.err = fmt.Errorf("moto_server did not report its address within 30s")
		}
	})
	if moto.err != nil {
		t.Fatal(moto.err)
	}
	return moto.url
}

func init() { atExit = append(atExit, stopMoto) }

func stopMoto() {
	if moto.cmd != nil && moto.cmd.Process != nil {
		moto.cmd.Process.Kill()
		moto.cmd.Wait()
	}
}

func awsConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// TestAWSBindings opens an S3 bucket, a DynamoDB collection and an SNS
// topic through the faas environment bindings (the default binder and the
// drivers the shim links) against moto, does a real round trip on each,
// and feeds the published message, as SQS delivers it, through the shim.
func TestAWSBindings(t *testing.T) {
	endpoint := startMoto(t)
	ctx := t.Context()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	cfg := awsConfig(endpoint)
	suffix := fmt.Sprint(time.Now().UnixNano())

	bucket := "files-" + suffix
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	table := "items-" + suffix
	ddb := dynamodb.NewFromConfig(cfg)
	if _, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            &table,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	sqsc := sqs.NewFromConfig(cfg)
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("inbox-" + suffix)})
	if err != nil {
		t.Fatal(err)
	}
	qa, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	snsc := sns.NewFromConfig(cfg)
	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("events-" + suffix)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(qa.Attributes["QueueArn"]),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}

	common := "endpoint=" + endpoint + "&region=us-east-1"
	t.Setenv(provider.EnvVar(sdk.KindBucket, "files"), "s3://"+bucket+"?"+common+"&use_path_style=true&request_checksum_calculation=when_required&response_checksum_validation=when_required")
	t.Setenv(provider.EnvVar(sdk.KindCollection, "items"), "dynamodb://"+table+"?"+common+"&partition_key=id&allow_scans=true")
	t.Setenv(provider.EnvVar(sdk.KindTopic, "events"), "awssns:///"+*topic.TopicArn+"?"+common)

	app := sdk.New("bindings", nil)
	files := app.Bucket("files", nil)
	items := app.Collection("items", nil)
	evts := app.Topic("events", nil)
	var got *sdk.Message
	app.Message("on-event", "events", func(ctx context.Context, m *sdk.Message) error { got = m; return nil }, nil)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	defer app.Close(context.WithoutCancel(ctx))

	// S3
	b, err := files.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteAll(ctx, "dir/hello world.txt", []byte("hi there"), nil); err != nil {
		t.Fatal(err)
	}
	if data, err := b.ReadAll(ctx, "dir/hello world.txt"); err != nil || string(data) != "hi there" {
		t.Errorf("S3 read back %q, %v", data, err)
	}
	if out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("dir/hello world.txt")}); err != nil {
		t.Errorf("the object is not in the moto bucket: %v", err)
	} else {
		out.Body.Close()
	}

	// DynamoDB
	c, err := items.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type item struct {
		ID               string `docstore:"id"`
		Title            string `docstore:"title"`
		Done             bool   `docstore:"done"`
		DocstoreRevision any
	}
	if err := c.Create(ctx, &item{ID: "a", Title: "write tests"}); err != nil {
		t.Fatal(err)
	}
	back := item{ID: "a"}
	if err := c.Get(ctx, &back); err != nil || back.Title != "write tests" {
		t.Errorf("DynamoDB get: %+v, %v", back, err)
	}
	if n, err := ddb.Scan(ctx, &dynamodb.ScanInput{TableName: &table}); err != nil || n.Count != 1 {
		t.Errorf("the item is not in the moto table: %v", err)
	}

	// SNS → SQS (raw delivery) → the shim as Lambda's SQS event
	tp, err := evts.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sendMessage(ctx, tp, []byte{0xff, 0x00, 'b'}, map[string]string{"kind": "créé", "a/b": "x y"}); err != nil {
		t.Fatal(err)
	}
	recv, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5,
		MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
	if err != nil || len(recv.Messages) != 1 {
		t.Fatalf("receive: %d messages, %v", len(recv.Messages), err)
	}
	ev := events.SQSEvent{Records: []events.SQSMessage{toLambdaRecord(recv.Messages[0], qa.Attributes["QueueArn"])}}
	payload, _ := json.Marshal(ev)
	h, err := awslambda.NewHandler(app, "on-event", &awslambda.HandlerOptions{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(invokeCtx(t), payload)
	if err != nil || !strings.Contains(string(out), `"batchItemFailures":[]`) {
		t.Fatalf("invoke: %s, %v", out, err)
	}
	if got == nil || string(got.Data) != "\xff\x00b" || got.Attributes["kind"] != "créé" || got.Attributes["a/b"] != "x y" || len(got.Attributes) != 2 {
		t.Errorf("handler saw %+v; want the binary body and both attributes as published", got)
	}
}

// toLambdaRecord renders a received SQS message as Lambda's event source
// mapping does.
func toLambdaRecord(m sqstypes.Message, arn string) events.SQSMessage {
	r := events.SQSMessage{MessageId: *m.MessageId, ReceiptHandle: *m.ReceiptHandle, Body: *m.Body, Md5OfBody: aws.ToString(m.MD5OfBody),
		Attributes: m.Attributes, MessageAttributes: map[string]events.SQSMessageAttribute{}, EventSource: "aws:sqs", EventSourceARN: arn, AWSRegion: "us-east-1"}
	for k, v := range m.MessageAttributes {
		r.MessageAttributes[k] = events.SQSMessageAttribute{StringValue: v.StringValue, BinaryValue: v.BinaryValue, DataType: aws.ToString(v.DataType)}
	}
	return r
}

func sendMessage(ctx context.Context, tp interface {
	Send(context.Context, *pubsub.Message) error
}, body []byte, md map[string]string) error {
	return tp.Send(ctx, &pubsub.Message{Body: body, Metadata: md})
}
