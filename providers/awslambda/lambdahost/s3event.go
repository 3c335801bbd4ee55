package lambdahost

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/faaskit/faas/sdk"
)

// s3Event is an S3 event notification with exactly the keys S3 sends
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html,
// aws-lambda-go's events/testdata/s3-event.json). events.S3Event would add
// aws-lambda-go's own "urlDecodedKey" when marshalled.
type s3Event struct {
	Records []s3Record `json:"Records"`
}

type s3Record struct {
	EventVersion      string            `json:"eventVersion"`
	EventSource       string            `json:"eventSource"`
	AWSRegion         string            `json:"awsRegion"`
	EventTime         string            `json:"eventTime"`
	EventName         string            `json:"eventName"`
	UserIdentity      s3Principal       `json:"userIdentity"`
	RequestParameters s3RequestParams   `json:"requestParameters"`
	ResponseElements  map[string]string `json:"responseElements"`
	S3                s3Entity          `json:"s3"`
}

type s3Principal struct {
	PrincipalID string `json:"principalId"`
}

type s3RequestParams struct {
	SourceIPAddress string `json:"sourceIPAddress"`
}

type s3Entity struct {
	SchemaVersion   string   `json:"s3SchemaVersion"`
	ConfigurationID string   `json:"configurationId"`
	Bucket          s3Bucket `json:"bucket"`
	Object          s3Object `json:"object"`
}

type s3Bucket struct {
	Name          string      `json:"name"`
	OwnerIdentity s3Principal `json:"ownerIdentity"`
	ARN           string      `json:"arn"`
}

// s3Object: deletions carry no size and no eTag; versionId appears only
// for versioned buckets.
type s3Object struct {
	Key       string `json:"key"`
	Size      *int64 `json:"size,omitempty"`
	ETag      string `json:"eTag,omitempty"`
	Sequencer string `json:"sequencer"`
}

// ownerID is the canonical ID reported as the bucket owner.
const ownerID = "A3NL1KOZZKEXAMPLE"

// NewS3Event returns the S3 event notification for e, shaped as S3 sends
// it: the key form-encoded (a space is '+'), and no content type, which S3
// notifications do not carry (so BlobEvent.ContentType is empty on AWS).
func NewS3Event(e *sdk.BlobEvent, region string) ([]byte, error) {
	name := "ObjectCreated:Put"
	if e.Kind == sdk.BlobDeleted {
		name = "ObjectRemoved:Delete"
	}
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	obj := s3Object{Key: escapeS3Key(e.Key), Sequencer: fmt.Sprintf("%018X", t.UnixNano())}
	if e.Kind != sdk.BlobDeleted {
		size := e.Size
		obj.Size, obj.ETag = &size, e.ETag
	}
	ev := s3Event{Records: []s3Record{{
		EventVersion:      "2.1",
		EventSource:       "aws:s3",
		AWSRegion:         region,
		EventTime:         t.UTC().Format("2006-01-02T15:04:05.000Z"),
		EventName:         name,
		UserIdentity:      s3Principal{PrincipalID: "AWS:LOCAL"},
		RequestParameters: s3RequestParams{SourceIPAddress: "127.0.0.1"},
		ResponseElements: map[string]string{
			"x-amz-request-id": strings.ToUpper(strings.ReplaceAll(newID(), "-", ""))[:16],
			"x-amz-id-2":       newID(),
		},
		S3: s3Entity{
			SchemaVersion:   "1.0",
			ConfigurationID: "faas",
			Bucket:          s3Bucket{Name: e.Bucket, OwnerIdentity: s3Principal{PrincipalID: ownerID}, ARN: "arn:aws:s3:::" + e.Bucket},
			Object:          obj,
		},
	}}}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	return b, nil
}
