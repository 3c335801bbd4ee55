package awslambda

import (
	"github.com/faaskit/faas/sdk"
)

// shape is the kind of Lambda event a payload holds.
type shape string

const (
	shapeHTTP     shape = "HTTP"
	shapeSQS      shape = "SQS"
	shapeSNS      shape = "SNS"
	shapeS3       shape = "S3"
	shapeSchedule shape = "scheduled"
)

func shapeKind(s shape) sdk.Kind {
	switch s {
	case shapeHTTP:
		return sdk.KindHTTP
	case shapeSQS, shapeSNS:
		return sdk.KindMessage
	case shapeS3:
		return sdk.KindBlob
	}
	return sdk.KindSchedule
}

// probe recognises an event from its top-level keys, skipping values
// without decoding them (one linear pass, no allocation):
//
//   - "Records": the first record's eventSource (aws:sqs, aws:s3) or
//     EventSource (aws:sns);
//   - "detail-type" "Scheduled Event" (EventBridge rules, and EventBridge
//     Scheduler targets whose input the deployer shapes the same way);
//   - "requestContext" with "http" or "elb", "rawPath", "httpMethod": HTTP
//     (API Gateway HTTP API v2 and REST v1, Function URLs, ALB).
func probe(payload []byte) (shape, error) {
	s := scanner{b: payload}
	if !s.object() {
		if s.err != nil {
			return "", errUnknownEvent("payload is not a JSON object: " + s.err.Error())
		}
		return "", errUnknownEvent("null payload")
	}
	var http bool
	var detailType, source string
	for {
		k, ok := s.key()
		if !ok {
			break
		}
		switch string(k) {
		case "Records":
			return probeRecords(&s)
		case "detail-type":
			detailType = s.str()
		case "source":
			source = s.str()
		case "requestContext", "rawPath", "httpMethod", "routeKey":
			http = true
			s.skip()
		default:
			s.skip()
		}
	}
	if s.err != nil {
		return "", errUnknownEvent("malformed JSON: " + s.err.Error())
	}
	switch {
	case detailType == "Scheduled Event":
		return shapeSchedule, nil
	case detailType != "":
		return "", errUnknownEvent("EventBridge event " + detailType + " from " + source)
	case http:
		return shapeHTTP, nil
	}
	return "", errUnknownEvent("no Records, detail-type or requestContext")
}

func probeRecords(s *scanner) (shape, error) {
	if !s.array() || !s.more() || !s.object() {
		return "", errUnknownEvent("empty Records")
	}
	for {
		k, ok := s.key()
		if !ok {
			break
		}
		switch string(k) {
		case "eventSource", "EventSource":
			src, _ := s.strBytes()
			switch string(src) {
			case sourceSQS:
				return shapeSQS, nil
			case sourceSNS:
				return shapeSNS, nil
			case sourceS3:
				return shapeS3, nil
			}
			return "", errUnknownEvent("Records from " + string(src))
		default:
			s.skip()
		}
	}
	return "", errUnknownEvent("Records without an event source")
}
