package lambdahost

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/faaskit/faas/sdk"
)

// keys lists every key path of a decoded JSON document ("Records.s3.object.key").
func keys(v any, prefix string, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			*out = append(*out, prefix+k)
			keys(c, prefix+k+".", out)
		}
	case []any:
		for _, c := range v {
			keys(c, prefix, out)
		}
	}
}

func keySet(t *testing.T, doc []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	keys(v, "", &out)
	slices.Sort(out)
	return slices.Compact(out)
}

// TestS3EventShape checks NewS3Event against S3's own notification (the
// aws-lambda-go sample): the same keys, so nothing S3 does not send (no
// content type, no aws-lambda-go "urlDecodedKey"), but for versionId,
// which S3 sends only for versioned buckets; deletions carry no size and
// no eTag.
func TestS3EventShape(t *testing.T) {
	sample, err := os.ReadFile("testdata/s3-event.json")
	if err != nil {
		t.Fatal(err)
	}
	want := slices.DeleteFunc(keySet(t, sample), func(k string) bool { return k == "Records.s3.object.versionId" })
	at := time.Date(2026, 11, 2, 3, 4, 5, 123456789, time.UTC)
	created := &sdk.BlobEvent{Kind: sdk.BlobCreated, Bucket: "uploads", Key: "docs/report 2026+ü.pdf", Size: 12345, ETag: "d41d8cd98f00b204e9800998ecf8427e", ContentType: "application/pdf", Time: at}
	cases := []struct {
		e    *sdk.BlobEvent
		name string
		want []string
	}{
		{created, "ObjectCreated:Put", want},
		{&sdk.BlobEvent{Kind: sdk.BlobDeleted, Bucket: "uploads", Key: "gone.bin", Time: at}, "ObjectRemoved:Delete",
			slices.DeleteFunc(slices.Clone(want), func(k string) bool { return k == "Records.s3.object.size" || k == "Records.s3.object.eTag" })},
	}
	for _, c := range cases {
		payload, err := NewS3Event(c.e, "eu-west-1")
		if err != nil {
			t.Fatal(err)
		}
		if got := keySet(t, payload); !slices.Equal(got, c.want) {
			t.Errorf("%s keys\n%v\nwant (as S3 sends them)\n%v", c.name, got, c.want)
		}
		if strings.Contains(string(payload), "application/pdf") {
			t.Errorf("%s carries the content type: %s", c.name, payload)
		}
		var ev events.S3Event
		if err := json.Unmarshal(payload, &ev); err != nil || len(ev.Records) != 1 {
			t.Fatalf("%s: %v", payload, err)
		}
		r := ev.Records[0]
		if r.EventName != c.name || r.EventSource != "aws:s3" || r.AWSRegion != "eu-west-1" || r.S3.Bucket.Name != "uploads" ||
			r.S3.Bucket.Arn != "arn:aws:s3:::uploads" || r.S3.Object.URLDecodedKey != c.e.Key || !r.EventTime.Equal(at.Truncate(time.Millisecond)) {
			t.Errorf("%s decodes as %+v", c.name, r)
		}
	}
	var ev events.S3Event
	payload, _ := NewS3Event(created, "eu-west-1")
	json.Unmarshal(payload, &ev)
	if o := ev.Records[0].S3.Object; o.Key != "docs/report+2026%2B%C3%BC.pdf" || o.Size != 12345 || o.ETag != created.ETag {
		t.Errorf("object %+v; want the key form-encoded as S3 does, size and eTag", o)
	}
}
