package awslambda

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/faaskit/faas/sdk"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The fuzz tests run every event decoder against aws-lambda-go's own
// decoding (encoding/json into the same events type): both accept or both
// reject, and what both accept decodes equal, but for the differences the
// decoder documents (decode.go):
//
//   - input that is not strictly valid JSON (invalid UTF-8, an escaped
//     lone surrogate, a duplicate member name) is rejected, where
//     encoding/json replaces the bad text or keeps the last member;
//   - member names match exactly: a name that matches a field only when
//     case is ignored is an unknown member, where encoding/json fills the
//     field;
//   - base64 ([]byte fields) and times (time.Time) are decoded strictly:
//     encoding/json also skips line breaks in base64 and takes some times
//     that are not RFC 3339 (a one-digit hour);
//   - a JWT authorizer's claims may be numbers, arrays or objects (kept
//     raw for AuthorizerFrom), where the events type takes only strings.
//
// Each is seeded with the aws-lambda-go samples in testdata. FuzzInvoke
// feeds any input to a handler of every function kind: nothing panics.

// seed adds the named fixtures to f's corpus.
func seed(f *testing.F, names ...string) {
	f.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

var (
	httpV2Samples = []string{"apigw-v2-request-iam.json", "apigw-v2-request-jwt-authorizer.json", "apigw-v2-request-lambda-authorizer.json",
		"apigw-v2-request-no-authorizer.json", "lambda-urls-request.json"}
	httpV1Samples  = []string{"apigw-request.json", "apigw-restapi-openapi-request.json"}
	albSamples     = []string{"alb-lambda-target-request-headers-only.json", "alb-lambda-target-request-multivalue-headers.json"}
	recordSamples  = []string{"sqs-event.json", "sns-event.json", "s3-event.json", "s3-event-with-decoded.json"}
	scheduleSample = []string{"eventbridge-scheduled-event.json", "scheduler-scheduled-event.json"}
)

// differs checks one decoder against encoding/json on in. mineErr and
// refErr are the two outcomes, mine and ref the two results (compared
// only when both succeeded); T is the events type, whose json tags decide
// which member names are case variants.
func differs[T any](t *testing.T, names *tagNames, in []byte, mine, ref *T, mineErr, refErr error, opts ...cmp.Option) {
	t.Helper()
	if names.caseVariant(in) {
		return // encoding/json matches it to a field, the decoder does not
	}
	switch {
	case mineErr == nil && refErr != nil:
		t.Fatalf("accepted what encoding/json rejects (%v): %q", refErr, in)
	case mineErr != nil && refErr == nil:
		if !jsontext.Value(in).IsValid() || strictFormat(mineErr) {
			return // documented: strict JSON, strict base64 and times
		}
		t.Fatalf("rejected what encoding/json accepts: %v: %q", mineErr, in)
	case mineErr == nil && !reflect.DeepEqual(ref, mine): // cmp is slow: only to explain
		if d := cmp.Diff(ref, mine, opts...); d != "" {
			t.Fatalf("decodes differently from encoding/json (-encoding/json +decoder):\n%s\ninput %q", d, in)
		}
	}
}

// strictFormat reports whether err is the decoder refusing base64 text
// for a []byte field, or a time that is not strictly RFC 3339, for a
// time.Time field.
func strictFormat(err error) bool {
	var se *json.SemanticError
	return errors.As(err, &se) && (se.GoType == reflect.TypeFor[[]byte]() || se.GoType == reflect.TypeFor[time.Time]())
}

// tagNames are the json tags of a type and of the types inside it, as
// written and folded.
type tagNames struct{ exact, folded map[string]bool }

func tagsOf(t reflect.Type) *tagNames {
	n := &tagNames{map[string]bool{}, map[string]bool{}}
	collectTags(t, n.exact, n.folded, map[reflect.Type]bool{})
	return n
}

// caseVariant reports whether in has a member name that is not one of the
// tags but equals one when case is ignored, the way encoding/json ignores
// it.
func (n *tagNames) caseVariant(in []byte) bool {
	d := jsontext.NewDecoder(bytes.NewReader(in), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	for {
		tok, err := d.ReadToken()
		if err != nil {
			return false
		}
		if tok.Kind() != '"' {
			continue
		}
		if k, _ := d.StackIndex(d.StackDepth()); k != '{' {
			continue
		}
		if _, i := d.StackIndex(d.StackDepth()); i%2 == 1 { // just read a name
			if name := tok.String(); !n.exact[name] && n.folded[foldName(name)] {
				return true
			}
		}
	}
}

// foldName folds a name as encoding/json does when it matches fields.
func foldName(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToUpper(unicode.ToLower(r)) }, s)
}

func collectTags(t reflect.Type, exact, folded map[string]bool, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		exact[name], folded[foldName(name)] = true, true
		collectTags(f.Type, exact, folded, seen)
	}
}

// refDecode is encoding/json's decoding; numbers in an "any" as
// json.Number when useNumber.
func refDecode(in []byte, v any, useNumber bool) error {
	d := stdjson.NewDecoder(bytes.NewReader(in))
	if useNumber {
		d.UseNumber()
	}
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// FuzzDecodeHTTPV2 checks HTTP API payload 2.0 and Function URL decoding,
// into a pooled event that first held another sample, so that nothing of
// an earlier event leaks into the next.
func FuzzDecodeHTTPV2(f *testing.F) {
	seed(f, httpV2Samples...)
	// The pooled event's edges: nulls where it keeps storage, an empty
	// authorizer, a null JWT description.
	for _, in := range []string{`null`, `{"requestContext":null}`, `{"requestContext":{"authorizer":null}}`,
		`{"requestContext":{"authorizer":{}}}`, `{"requestContext":{"authorizer":{"jwt":null}}}`,
		`{"requestContext":{"authorizer":{"jwt":{"claims":{"sub":"a"},"scopes":null},"iam":null}}}`} {
		f.Add([]byte(in))
	}
	prev, err := os.ReadFile(filepath.Join("testdata", "apigw-v2-request-jwt-authorizer.json"))
	if err != nil {
		f.Fatal(err)
	}
	names := tagsOf(reflect.TypeFor[events.APIGatewayV2HTTPRequest]())
	f.Fuzz(func(t *testing.T, in []byte) {
		e := newV2Event()
		if err := e.decode(prev); err != nil {
			t.Fatal(err)
		}
		e.reset()
		mineErr := e.decode(in)
		var ref events.APIGatewayV2HTTPRequest
		refErr := refDecode(in, &ref, false)
		if mineErr == nil {
			// The decoder keeps the JWT claims and scopes raw: compare
			// them decoded as the events type does, unless they are
			// what only the decoder takes (not all strings).
			var jwt *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription
			if e.hasJWT() {
				jwt = &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{}
				if raw := e.auth.JWT; len(raw.Claims) > 0 && json.Unmarshal(raw.Claims, &jwt.Claims) != nil ||
					len(raw.Scopes) > 0 && json.Unmarshal(raw.Scopes, &jwt.Scopes) != nil {
					return
				}
			}
			// Storage kept from the previous event reads as empty.
			ev := &e.ev
			if len(ev.Headers) == 0 && ref.Headers == nil {
				ev.Headers = nil
			}
			if len(ev.QueryStringParameters) == 0 && ref.QueryStringParameters == nil {
				ev.QueryStringParameters = nil
			}
			if len(ev.Cookies) == 0 && ref.Cookies == nil {
				ev.Cookies = nil
			}
			auth := e.ev.RequestContext.Authorizer
			if auth != nil {
				auth.JWT = jwt
				if ref.RequestContext.Authorizer == nil && jwt == nil && auth.Lambda == nil && auth.IAM == nil {
					e.ev.RequestContext.Authorizer = nil // kept from the previous event, empty
				}
			}
		}
		differs(t, names, in, &e.ev, &ref, mineErr, refErr, cmpopts.EquateEmpty())
	})
}

// FuzzDecodeHTTPV1 checks REST API (v1 proxy) decoding.
func FuzzDecodeHTTPV1(f *testing.F) {
	seed(f, httpV1Samples...)
	names := tagsOf(reflect.TypeFor[events.APIGatewayProxyRequest]())
	f.Fuzz(func(t *testing.T, in []byte) {
		mine, mineErr := decodeV1(in)
		var ref events.APIGatewayProxyRequest
		differs(t, names, in, mine, &ref, mineErr, refDecode(in, &ref, true))
	})
}

// FuzzDecodeALB checks ALB decoding.
func FuzzDecodeALB(f *testing.F) {
	seed(f, albSamples...)
	names := tagsOf(reflect.TypeFor[events.ALBTargetGroupRequest]())
	f.Fuzz(func(t *testing.T, in []byte) {
		mine, mineErr := decodeALB(in)
		var ref events.ALBTargetGroupRequest
		differs(t, names, in, mine, &ref, mineErr, refDecode(in, &ref, false))
	})
}

// fuzzRecords checks decodeRecords for record type R: as encoding/json,
// and an error when there are no records or their sources differ.
func fuzzRecords[R any](t *testing.T, names *tagNames, in []byte, what string, source func(*R) string) {
	recs, mineErr := decodeRecords(in, what, source)
	var ref recordsEvent[R]
	refErr := refDecode(in, &ref, false)
	if refErr == nil && !names.caseVariant(in) {
		mixed := false
		for i := range ref.Records {
			mixed = mixed || source(&ref.Records[i]) != source(&ref.Records[0])
		}
		if len(ref.Records) == 0 || mixed {
			if mineErr == nil {
				t.Fatalf("accepted an event with no records or mixed sources: %q", in)
			}
			return
		}
	}
	differs(t, names, in, &recordsEvent[R]{Records: recs}, &ref, mineErr, refErr)
}

// FuzzDecodeSQS checks SQS decoding.
func FuzzDecodeSQS(f *testing.F) {
	seed(f, recordSamples...)
	names := tagsOf(reflect.TypeFor[events.SQSEvent]())
	f.Fuzz(func(t *testing.T, in []byte) { fuzzRecords(t, names, in, "SQS", sqsSource) })
}

// FuzzDecodeSNS checks SNS decoding.
func FuzzDecodeSNS(f *testing.F) {
	seed(f, recordSamples...)
	names := tagsOf(reflect.TypeFor[events.SNSEvent]())
	f.Fuzz(func(t *testing.T, in []byte) { fuzzRecords(t, names, in, "SNS", snsSource) })
}

// FuzzDecodeS3 checks S3 decoding (keys form-decoded as
// events.S3Object's own UnmarshalJSON does).
func FuzzDecodeS3(f *testing.F) {
	seed(f, recordSamples...)
	names := tagsOf(reflect.TypeFor[events.S3Event]())
	f.Fuzz(func(t *testing.T, in []byte) { fuzzRecords(t, names, in, "S3", s3Source) })
}

// FuzzDecodeSchedule checks EventBridge (and Scheduler) scheduled event
// decoding.
func FuzzDecodeSchedule(f *testing.F) {
	seed(f, scheduleSample...)
	names := tagsOf(reflect.TypeFor[events.EventBridgeEvent]())
	f.Fuzz(func(t *testing.T, in []byte) {
		mine, mineErr := decodeSchedule(in)
		var ref events.EventBridgeEvent
		differs(t, names, in, mine, &ref, mineErr, refDecode(in, &ref, false))
	})
}

// FuzzSNSEnvelope checks the SNS notification unwrapped from an SQS body.
func FuzzSNSEnvelope(f *testing.F) {
	f.Add(`{"Type":"Notification","MessageId":"m-1","TopicArn":"arn:aws:sns:us-east-1:123456789012:t","Message":"aGk=","Timestamp":"2026-11-23T03:00:00.000Z","SignatureVersion":"1","MessageAttributes":{"base64encoded":{"Type":"String","Value":"true"},"k__0x2f__1":{"Type":"String","Value":"a%20b"}}}`)
	names := tagsOf(reflect.TypeFor[events.SNSEntity]())
	f.Fuzz(func(t *testing.T, body string) {
		attrs := map[string]string{}
		msg, b64 := unwrapSNSEnvelope(body, attrs)
		var env events.SNSEntity
		if refDecode([]byte(body), &env, false) != nil || env.Type != "Notification" || names.caseVariant([]byte(body)) {
			return
		}
		if !jsontext.Value(body).IsValid() {
			return // documented: strict JSON
		}
		if msg != env.Message {
			t.Fatalf("unwrapped %q; encoding/json finds %q in %q", msg, env.Message, body)
		}
		_, flagged := env.MessageAttributes["base64encoded"]
		if b64 != flagged {
			t.Fatalf("base64 %v; want %v: %q", b64, flagged, body)
		}
	})
}

// FuzzAuthorizerClaims checks the lazy decoding of JWT claims: what
// encoding/json (with UseNumber) decodes, AuthorizerFrom decodes equal.
func FuzzAuthorizerClaims(f *testing.F) {
	f.Add(`{"sub":"u-1","n":12345678901234567890,"groups":["a","b"],"nested":{"k":true,"f":1.5e3}}`, `["scope1","scope2"]`)
	f.Add(`null`, ``)
	f.Fuzz(func(t *testing.T, claims, scopes string) {
		l := &lazyAuthorizer{raw: claims, scopes: scopes}
		got := AuthorizerFrom(&authContext{Context: t.Context(), auth: l})
		var want map[string]any
		refErr := refDecode([]byte(claims), &want, true)
		switch {
		case refErr != nil || want == nil:
			if got != nil && jsontext.Value(claims).IsValid() {
				t.Fatalf("claims %q: got %v; encoding/json: %v", claims, got.Claims, refErr)
			}
		case got == nil:
			if jsontext.Value(claims).IsValid() {
				t.Fatalf("claims %q: none; encoding/json decodes %v", claims, want)
			}
		case !reflect.DeepEqual(got.Claims, want):
			t.Fatalf("claims %q: %#v; encoding/json decodes %#v", claims, got.Claims, want)
		}
	})
}

// FuzzInvoke feeds any payload to a handler of every function kind: each
// answers or fails, and an HTTP answer is a JSON object.
func FuzzInvoke(f *testing.F) {
	for _, names := range [][]string{httpV2Samples, httpV1Samples, albSamples, recordSamples, scheduleSample} {
		seed(f, names...)
	}
	app := sdk.New("fuzz", nil)
	app.Topic("t", nil)
	app.Bucket("b", nil)
	app.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		AuthorizerFrom(r.Context())
		w.Header().Set("Set-Cookie", "a=1")
		w.Write(b)
	}), nil)
	app.Message("msg", "t", func(context.Context, *sdk.Message) error { return errors.New("retry") }, nil)
	app.BlobEvent("blob", "b", func(context.Context, *sdk.BlobEvent) error { return nil }, nil)
	app.Schedule("tick", "rate(1 minute)", func(context.Context, *sdk.ScheduleEvent) error { return nil }, nil)
	var hs []*Handler
	for _, fn := range []string{"web", "msg", "blob", "tick"} {
		h, err := NewHandler(app, fn, &HandlerOptions{Log: io.Discard})
		if err != nil {
			f.Fatal(err)
		}
		hs = append(hs, h)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx := lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
		for _, h := range hs {
			out, err := h.Invoke(ctx, in)
			if err == nil && h.Function().Kind() == sdk.KindHTTP && !stdjson.Valid(out) {
				t.Fatalf("HTTP answer %q is not JSON (payload %q)", out, in)
			}
		}
	})
}
