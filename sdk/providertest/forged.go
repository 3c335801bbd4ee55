package providertest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/faaskit/faas/sdk/providertest/capp"
	"gocloud.dev/blob"
)

// forgedTrigger is a public HTTP request dressed as one platform's own
// delivery of a message, blob or schedule trigger.
type forgedTrigger struct {
	name string
	hdr  http.Header
	body string
}

// forgedTriggers are trigger payloads of every platform, as each delivers
// them to its functions, each carrying a "forged" key that the conformance
// app would record if a non-HTTP function ran.
var forgedTriggers = []forgedTrigger{
	{"azure/servicebus", azureHeaders(), `{"Data":{"msg":"Zm9yZ2Vk"},"Metadata":{"MessageId":"\"forged-azure-sb\"","DeliveryCount":"1",` +
		`"ApplicationProperties":{"key":"forged-azure-sb"},"UserProperties":{"key":"forged-azure-sb"},"sys":{"MethodName":"` + capp.MessageFunction + `"}}}`},
	{"azure/timer", azureHeaders(), `{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"2098-12-31T23:55:00Z","Next":"2099-01-01T00:00:00Z"},"IsPastDue":false}},` +
		`"Metadata":{"sys":{"MethodName":"` + capp.ScheduleFunction + `","UtcNow":"2099-01-01T00:00:00Z"}}}`},
	{"azure/eventgrid", azureHeaders(), `{"Data":{"event":{"id":"forged-azure-eg","eventType":"Microsoft.Storage.BlobCreated",` +
		`"subject":"/blobServices/default/containers/` + capp.UploadsBucket + `/blobs/forged-azure.txt","eventTime":"2099-01-01T00:00:00Z",` +
		`"data":{"api":"PutBlob","contentType":"text/plain","contentLength":6,"blobType":"BlockBlob","url":"https://a.blob.core.windows.net/` + capp.UploadsBucket + `/forged-azure.txt"},"dataVersion":"","metadataVersion":"1"}},` +
		`"Metadata":{"sys":{"MethodName":"` + capp.BlobFunction + `"}}}`},
	{"aws/sqs", jsonHeaders(), `{"Records":[{"messageId":"forged-aws-sqs","receiptHandle":"r","body":"forged","attributes":{"ApproximateReceiveCount":"1"},` +
		`"messageAttributes":{"key":{"stringValue":"forged-aws-sqs","dataType":"String"}},"eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:` + capp.InboxTopic + `","awsRegion":"us-east-1"}]}`},
	{"aws/s3", jsonHeaders(), `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2099-01-01T00:00:00.000Z","eventName":"ObjectCreated:Put",` +
		`"s3":{"s3SchemaVersion":"1.0","bucket":{"name":"` + capp.UploadsBucket + `","arn":"arn:aws:s3:::` + capp.UploadsBucket + `"},"object":{"key":"forged-aws.txt","size":6,"eTag":"e"}}}]}`},
	{"aws/eventbridge", jsonHeaders(), `{"version":"0","id":"forged-aws-eb","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012",` +
		`"time":"2099-01-01T00:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/` + capp.ScheduleFunction + `"],"detail":{}}`},
	{"gcp/pubsub", cloudEventHeaders("google.cloud.pubsub.topic.v1.messagePublished", "//pubsub.googleapis.com/projects/p/topics/"+capp.InboxTopic, ""),
		`{"message":{"data":"Zm9yZ2Vk","attributes":{"key":"forged-gcp-ps"},"messageId":"forged-gcp-ps","publishTime":"2099-01-01T00:00:00Z"},"subscription":"projects/p/subscriptions/s"}`},
	{"gcp/storage", cloudEventHeaders("google.cloud.storage.object.v1.finalized", "//storage.googleapis.com/projects/_/buckets/"+capp.UploadsBucket, "objects/forged-gcp.txt"),
		`{"bucket":"` + capp.UploadsBucket + `","name":"forged-gcp.txt","size":"6","contentType":"text/plain","timeCreated":"2099-01-01T00:00:00Z"}`},
}

func azureHeaders() http.Header {
	h := jsonHeaders()
	h.Set("X-Azure-Functions-InvocationId", "6b3c6a2e-0000-4000-8000-00000000f0r9")
	h.Set("X-Azure-Functions-HostVersion", "4.1037.0")
	h.Set("User-Agent", "Azure-Functions-Host/4.1037.0")
	return h
}

func jsonHeaders() http.Header { return http.Header{"Content-Type": {"application/json"}} }

func cloudEventHeaders(typ, source, subject string) http.Header {
	h := jsonHeaders()
	h.Set("Ce-Specversion", "1.0")
	h.Set("Ce-Id", "forged-ce")
	h.Set("Ce-Type", typ)
	h.Set("Ce-Source", source)
	h.Set("Ce-Time", "2099-01-01T00:00:00Z")
	if subject != "" {
		h.Set("Ce-Subject", subject)
	}
	return h
}

// testForgedTriggers sends every platform's trigger payloads to the public
// HTTP endpoint, at the root and at each non-HTTP function's own name. No
// message, blob or schedule function may run, and a path equal to a
// function's name must still reach the app's own route.
func (s *suite) testForgedTriggers(t *testing.T) {
	for _, f := range forgedTriggers {
		t.Run(f.name, func(t *testing.T) {
			for _, fn := range []string{capp.MessageFunction, capp.BlobFunction, capp.ScheduleFunction} {
				resp, e := s.echo(t, http.MethodPost, "/"+fn, []byte(f.body), f.hdr.Clone())
				if resp.StatusCode != http.StatusOK || e.Path != "/"+fn || e.BodyLen != len(f.body) {
					t.Errorf("POST /%s: status %d, app saw path %q and %d body bytes; want the app's own /%s route with the %d-byte body", fn, resp.StatusCode, e.Path, e.BodyLen, fn, len(f.body))
				}
			}
			s.do(t, http.MethodPost, "/", []byte(f.body), f.hdr.Clone())
			s.assertNoForgedRecords(t)
		})
	}
}

// assertNoForgedRecords fails if a non-HTTP function recorded a forged
// delivery.
func (s *suite) assertNoForgedRecords(t *testing.T) {
	t.Helper()
	ctx := ctxFor(t)
	for _, prefix := range []string{"messages/forged", "blobs/forged", "schedules/"} {
		iter := s.records.List(&blob.ListOptions{Prefix: prefix})
		for {
			obj, err := iter.Next(ctx)
			if err != nil {
				break
			}
			if strings.HasPrefix(prefix, "schedules/") {
				// Every forged tick is for 2099; real ones are not.
				if rec, ok := readRecord[capp.ScheduleRecord](ctx, t, s.records, obj.Key); ok && rec.Time.Year() != 2099 {
					continue
				}
			}
			t.Errorf("a public request ran a non-HTTP function: record %s", obj.Key)
		}
	}
}
