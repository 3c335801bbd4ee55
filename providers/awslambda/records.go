package awslambda

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/go-json-experiment/json"
)

// recordsEvent is the shape of SQS, SNS and S3 events: aws-lambda-go's
// events.SQSEvent, events.SNSEvent and events.S3Event, for R their record
// type.
type recordsEvent[R any] struct {
	Records []R `json:"Records"`
}

// decodeRecords decodes the records of an SQS, SNS or S3 event into R,
// aws-lambda-go's record type, which handlers reach through As. Every
// record must come from the same source, the one probe found in the
// first; source returns a record's.
func decodeRecords[R any](payload []byte, what string, source func(*R) string) ([]R, error) {
	var ev recordsEvent[R]
	if err := json.Unmarshal(payload, &ev, recordOptions); err != nil {
		return nil, decodeError(what, err)
	}
	if len(ev.Records) == 0 {
		return nil, errUnknownEvent("empty Records")
	}
	first := source(&ev.Records[0])
	for i := range ev.Records[1:] {
		if s := source(&ev.Records[i+1]); s != first {
			return nil, errUnknownEvent("Records mix event sources " + first + " and " + s)
		}
	}
	return ev.Records, nil
}

func sqsSource(r *events.SQSMessage) string     { return r.EventSource }
func snsSource(r *events.SNSEventRecord) string { return r.EventSource }
func s3Source(r *events.S3EventRecord) string   { return r.EventSource }
