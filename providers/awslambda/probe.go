package awslambda

import (
	"bytes"
	"sync"

	"github.com/faaskit/faas/sdk"
	"github.com/go-json-experiment/json/jsontext"
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

// Event sources of "Records" events.
const (
	sourceSQS = "aws:sqs"
	sourceSNS = "aws:sns"
	sourceS3  = "aws:s3"
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

// probed is what probe learnt of a payload.
type probed struct {
	shape shape
	http  httpFormat // for shapeHTTP: formatV2, formatV1 or formatALB
}

// prober holds a pooled token decoder. It reads the payload in place: a
// decoder reading a *bytes.Buffer takes its bytes without copying them.
type prober struct {
	buf bytes.Buffer
	dec jsontext.Decoder
}

var proberPool = sync.Pool{New: func() any { return &prober{} }}

// probe recognises an event from its top-level keys, skipping values
// without decoding them (one pass of go-json-experiment's tokenizer, no
// allocation):
//
//   - "Records": the first record's eventSource (aws:sqs, aws:s3) or
//     EventSource (aws:sns);
//   - "detail-type" "Scheduled Event" (EventBridge rules, and EventBridge
//     Scheduler targets whose input the deployer shapes the same way);
//   - "version" "2.0": HTTP API payload 2.0 or a Function URL, at once;
//   - "requestContext", "rawPath", "httpMethod" or "routeKey": HTTP, in
//     the format requestContext's "http" (payload 2.0), "elb" (ALB) or
//     neither (REST API v1 proxy) says.
//
// Member names are matched exactly, as the decoding that follows does.
func probe(payload []byte) (probed, error) {
	p := proberPool.Get().(*prober)
	p.buf = *bytes.NewBuffer(payload)
	// The decoding that follows checks names and UTF-8; the probe need not.
	p.dec.Reset(&p.buf, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	r, err := p.probe()
	p.buf = bytes.Buffer{} // do not pin the payload
	p.dec.Reset(&p.buf)
	proberPool.Put(p)
	return r, err
}

func (p *prober) probe() (probed, error) {
	d := &p.dec
	switch d.PeekKind() {
	case '{':
	case 'n':
		return probed{}, errUnknownEvent("null payload")
	default:
		if _, err := d.ReadToken(); err != nil {
			return probed{}, errUnknownEvent("payload is not a JSON object: " + err.Error())
		}
		return probed{}, errUnknownEvent("payload is not a JSON object")
	}
	d.ReadToken()
	var http, ctxHTTP, elb bool
	var detailType, source string
	for d.PeekKind() == '"' {
		name, err := d.ReadToken()
		if err != nil {
			return probed{}, malformed(err)
		}
		switch n := name.String(); n {
		case "Records":
			return p.probeRecords()
		case "detail-type", "source", "version":
			if d.PeekKind() != '"' {
				if err := d.SkipValue(); err != nil {
					return probed{}, malformed(err)
				}
				continue
			}
			v, err := d.ReadToken()
			if err != nil {
				return probed{}, malformed(err)
			}
			switch n {
			case "detail-type":
				detailType = v.String()
			case "source":
				source = v.String()
			case "version":
				if v.String() == "2.0" {
					// Payload format 2.0 is HTTP API's and Function
					// URLs' alone; both send it first, so the rest
					// of the event need not be skipped through.
					return probed{shape: shapeHTTP, http: formatV2}, nil
				}
			}
		case "requestContext":
			http = true
			if ctxHTTP, elb, err = p.probeContext(); err != nil {
				return probed{}, malformed(err)
			}
		case "rawPath", "httpMethod", "routeKey":
			http = true
			fallthrough
		default:
			if err := d.SkipValue(); err != nil {
				return probed{}, malformed(err)
			}
		}
	}
	if _, err := d.ReadToken(); err != nil { // '}', or the syntax error
		return probed{}, malformed(err)
	}
	switch {
	case detailType == "Scheduled Event":
		return probed{shape: shapeSchedule}, nil
	case detailType != "":
		return probed{}, errUnknownEvent("EventBridge event " + detailType + " from " + source)
	case !http:
		return probed{}, errUnknownEvent("no Records, detail-type or requestContext")
	case elb:
		return probed{shape: shapeHTTP, http: formatALB}, nil
	case ctxHTTP:
		return probed{shape: shapeHTTP, http: formatV2}, nil
	}
	return probed{shape: shapeHTTP, http: formatV1}, nil
}

// probeContext reads requestContext and reports whether it has "http"
// and "elb" members.
func (p *prober) probeContext() (http, elb bool, err error) {
	d := &p.dec
	if d.PeekKind() != '{' {
		return false, false, d.SkipValue()
	}
	d.ReadToken()
	for d.PeekKind() == '"' {
		name, err := d.ReadToken()
		if err != nil {
			return false, false, err
		}
		switch name.String() {
		case "http":
			http = true
		case "elb":
			elb = true
		}
		if err := d.SkipValue(); err != nil {
			return false, false, err
		}
	}
	_, err = d.ReadToken()
	return http, elb, err
}

// probeRecords reads the first record's event source.
func (p *prober) probeRecords() (probed, error) {
	d := &p.dec
	if d.PeekKind() != '[' {
		return probed{}, errUnknownEvent("empty Records")
	}
	d.ReadToken()
	if d.PeekKind() != '{' {
		return probed{}, errUnknownEvent("empty Records")
	}
	d.ReadToken()
	for d.PeekKind() == '"' {
		name, err := d.ReadToken()
		if err != nil {
			return probed{}, malformed(err)
		}
		if n := name.String(); n == "eventSource" || n == "EventSource" {
			src, err := d.ReadToken()
			if err != nil {
				return probed{}, malformed(err)
			}
			switch src.String() {
			case sourceSQS:
				return probed{shape: shapeSQS}, nil
			case sourceSNS:
				return probed{shape: shapeSNS}, nil
			case sourceS3:
				return probed{shape: shapeS3}, nil
			}
			return probed{}, errUnknownEvent("Records from " + src.String())
		}
		if err := d.SkipValue(); err != nil {
			return probed{}, malformed(err)
		}
	}
	return probed{}, errUnknownEvent("Records without an event source")
}

func malformed(err error) error {
	return errUnknownEvent("malformed JSON: " + err.Error())
}
