package awslambda

import (
	"encoding/base64"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Event sources of "Records" events.
const (
	sourceSQS = "aws:sqs"
	sourceSNS = "aws:sns"
	sourceS3  = "aws:s3"
)

// record is the union of an SQS, SNS and S3 record, decoded in one pass
// straight into aws-lambda-go's own types, which handlers reach through As.
type record struct {
	source string
	sqs    events.SQSMessage
	sns    events.SNSEventRecord
	s3     events.S3EventRecord
}

// decodeRecords reads the "Records" array. Every record must come from
// the same source.
func decodeRecords(s *scanner) (string, []record, error) {
	if !s.array() {
		if s.err != nil {
			return "", nil, s.err
		}
		return "", nil, errUnknownEvent("null Records")
	}
	var out []record
	for s.more() {
		var r record
		decodeRecord(s, &r)
		if len(out) > 0 && r.source != out[0].source {
			return "", nil, errUnknownEvent("Records mix event sources " + out[0].source + " and " + r.source)
		}
		out = append(out, r)
	}
	if s.err != nil {
		return "", nil, s.err
	}
	if len(out) == 0 {
		return "", nil, errUnknownEvent("empty Records")
	}
	return out[0].source, out, nil
}

func decodeRecord(s *scanner, r *record) {
	s.fields(func(k []byte) {
		switch string(k) {
		case "eventSource":
			r.source = s.str()
			r.sqs.EventSource, r.s3.EventSource = r.source, r.source
		case "EventSource":
			r.source = s.str()
			r.sns.EventSource = r.source
		case "awsRegion":
			r.sqs.AWSRegion = s.str()
			r.s3.AWSRegion = r.sqs.AWSRegion
		// SQS
		case "messageId":
			r.sqs.MessageId = s.str()
		case "receiptHandle":
			r.sqs.ReceiptHandle = s.str()
		case "body":
			r.sqs.Body = s.str()
		case "md5OfBody":
			r.sqs.Md5OfBody = s.str()
		case "md5OfMessageAttributes":
			r.sqs.Md5OfMessageAttributes = s.str()
		case "attributes":
			r.sqs.Attributes = s.stringMap()
		case "messageAttributes":
			r.sqs.MessageAttributes = decodeSQSAttributes(s)
		case "eventSourceARN":
			r.sqs.EventSourceARN = s.str()
		// SNS
		case "EventVersion":
			r.sns.EventVersion = s.str()
		case "EventSubscriptionArn":
			r.sns.EventSubscriptionArn = s.str()
		case "Sns":
			decodeSNSEntity(s, &r.sns.SNS)
		// S3
		case "eventVersion":
			r.s3.EventVersion = s.str()
		case "eventTime":
			r.s3.EventTime = parseTime(s.str())
		case "eventName":
			r.s3.EventName = s.str()
		case "userIdentity":
			r.s3.PrincipalID.PrincipalID = s.stringField("principalId")
		case "requestParameters":
			r.s3.RequestParameters.SourceIPAddress = s.stringField("sourceIPAddress")
		case "responseElements":
			r.s3.ResponseElements = s.stringMap()
		case "s3":
			decodeS3Entity(s, &r.s3.S3)
		default:
			s.skip()
		}
	})
}

func decodeSQSAttributes(s *scanner) map[string]events.SQSMessageAttribute {
	m := map[string]events.SQSMessageAttribute{}
	isObject := s.fields(func(k []byte) {
		name := string(k)
		var a events.SQSMessageAttribute
		s.fields(func(k []byte) {
			switch string(k) {
			case "stringValue":
				if s.peek() == 'n' {
					s.skip()
					return
				}
				v := s.str()
				a.StringValue = &v
			case "binaryValue":
				a.BinaryValue = decodeBase64(s.str())
			case "stringListValues":
				a.StringListValues = s.stringSlice()
			case "binaryListValues":
				if s.array() {
					a.BinaryListValues = [][]byte{}
					for s.more() {
						a.BinaryListValues = append(a.BinaryListValues, decodeBase64(s.str()))
					}
				}
			case "dataType":
				a.DataType = s.str()
			default:
				s.skip()
			}
		})
		m[name] = a
	})
	if !isObject {
		return nil
	}
	return m
}

func decodeSNSEntity(s *scanner, e *events.SNSEntity) {
	s.fields(func(k []byte) {
		switch string(k) {
		case "Signature":
			e.Signature = s.str()
		case "MessageId":
			e.MessageID = s.str()
		case "Type":
			e.Type = s.str()
		case "TopicArn":
			e.TopicArn = s.str()
		case "MessageAttributes":
			e.MessageAttributes, _ = s.value().(map[string]any)
		case "SignatureVersion":
			e.SignatureVersion = s.str()
		case "Timestamp":
			e.Timestamp = parseTime(s.str())
		case "SigningCertUrl", "SigningCertURL":
			e.SigningCertURL = s.str()
		case "Message":
			e.Message = s.str()
		case "UnsubscribeUrl", "UnsubscribeURL":
			e.UnsubscribeURL = s.str()
		case "Subject":
			e.Subject = s.str()
		default:
			s.skip()
		}
	})
}

func decodeS3Entity(s *scanner, e *events.S3Entity) {
	s.fields(func(k []byte) {
		switch string(k) {
		case "s3SchemaVersion":
			e.SchemaVersion = s.str()
		case "configurationId":
			e.ConfigurationID = s.str()
		case "bucket":
			s.fields(func(k []byte) {
				switch string(k) {
				case "name":
					e.Bucket.Name = s.str()
				case "arn":
					e.Bucket.Arn = s.str()
				case "ownerIdentity":
					e.Bucket.OwnerIdentity.PrincipalID = s.stringField("principalId")
				default:
					s.skip()
				}
			})
		case "object":
			s.fields(func(k []byte) {
				switch string(k) {
				case "key":
					e.Object.Key = s.str()
				case "size":
					e.Object.Size = s.int64()
				case "versionId":
					e.Object.VersionID = s.str()
				case "eTag":
					e.Object.ETag = s.str()
				case "sequencer":
					e.Object.Sequencer = s.str()
				default:
					s.skip()
				}
			})
			// S3 sends keys form-encoded: '+' is a space.
			e.Object.URLDecodedKey, _ = url.QueryUnescape(e.Object.Key)
		default:
			s.skip()
		}
	})
}

func decodeBase64(v string) []byte {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return []byte(v)
	}
	return b
}

// parseTime parses an RFC 3339 timestamp; malformed times read as zero.
func parseTime(v string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}
	}
	return t
}
