package awslambda

import (
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// httpFormat says which HTTP integration sent an event; it decides how the
// request is read and how the response must be shaped.
type httpFormat uint8

const (
	formatV2       httpFormat = iota + 1 // API Gateway HTTP API payload 2.0 and Lambda Function URLs
	formatV1                             // API Gateway REST API (and HTTP API payload 1.0) proxy
	formatALB                            // Application Load Balancer, single-value headers
	formatALBMulti                       // Application Load Balancer, multi-value headers
)

// v2Event is the decoding target of HTTP API (payload 2.0) and Function
// URL events: aws-lambda-go's events.APIGatewayV2HTTPRequest (a Function
// URL event is a subset of it). v2Events are pooled with their header,
// query and cookie storage, so an invocation allocates only the strings
// the decoder does not find in its cache of recent ones.
type v2Event struct {
	ev events.APIGatewayV2HTTPRequest
	// wire is what the payload is decoded into: ev itself, inlined, except
	// the authorizer, read into auth so that its JWT claims and scopes stay
	// raw (API Gateway passes claims as strings, but numbers, arrays and
	// objects are kept too, and decoded only if the handler calls
	// AuthorizerFrom). A typed field does this at no cost per value, which
	// a json.WithUnmarshalers option would not.
	wire     v2Wire
	auth     v2Authorizer
	authDesc events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	scratch  []byte // the base64-decoded body
}

// v2Wire is events.APIGatewayV2HTTPRequest with its requestContext's
// authorizer replaced: a shallower field of the same JSON name wins.
type v2Wire struct {
	*events.APIGatewayV2HTTPRequest
	RequestContext v2WireContext `json:"requestContext"`
}

type v2WireContext struct {
	*events.APIGatewayV2HTTPRequestContext
	Authorizer *v2Authorizer `json:"authorizer,omitempty"`
}

// v2Authorizer is events.APIGatewayV2HTTPRequestContextAuthorizerDescription
// with the JWT description kept raw.
type v2Authorizer struct {
	JWT     rawJWT                                                         `json:"jwt"`
	Lambda  map[string]any                                                 `json:"lambda,omitempty"`
	IAM     *events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription `json:"iam,omitempty"`
	present bool                                                           // the event had an authorizer object
}

// v2AuthorizerFields is v2Authorizer without its UnmarshalJSONFrom method.
type v2AuthorizerFields v2Authorizer

// UnmarshalJSONFrom reads an authorizer object and notes that it was there
// (null is handled by the pointer that holds it).
func (a *v2Authorizer) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	a.present = true
	return json.UnmarshalDecode(dec, (*v2AuthorizerFields)(a))
}

// rawJWT is an HTTP API JWT authorizer's claims and scopes, undecoded.
type rawJWT struct {
	Claims  jsontext.Value `json:"claims"`
	Scopes  jsontext.Value `json:"scopes"`
	present bool           // the event had a (non-null) jwt object
}

// rawJWTFields is rawJWT without its UnmarshalJSONFrom method.
type rawJWTFields rawJWT

// UnmarshalJSONFrom reads a jwt object raw and notes that it was there;
// null leaves it absent, as it leaves the events type's pointer nil.
func (j *rawJWT) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return err
	}
	j.present = true
	return json.UnmarshalDecode(dec, (*rawJWTFields)(j))
}

var v2Pool = sync.Pool{New: func() any { return newV2Event() }}

func newV2Event() *v2Event { return &v2Event{} }

func getV2Event() *v2Event { return v2Pool.Get().(*v2Event) }

// putV2Event empties e and pools it.
func putV2Event(e *v2Event) {
	e.reset()
	v2Pool.Put(e)
}

// reset empties e for the next event, keeping the storage of its maps,
// slices and raw JWT (an absent authorizer thus reads as empty, not nil).
func (e *v2Event) reset() {
	ev := &e.ev
	h, q, p, s, c := ev.Headers, ev.QueryStringParameters, ev.PathParameters, ev.StageVariables, ev.Cookies
	if len(h) > 64 {
		h = nil // do not keep a map grown by an unusual event
	}
	clear(h)
	clear(q)
	clear(p)
	clear(s)
	clear(c)
	hadAuth := ev.RequestContext.Authorizer != nil
	*ev = events.APIGatewayV2HTTPRequest{Headers: h, QueryStringParameters: q, PathParameters: p, StageVariables: s, Cookies: c[:0]}
	e.auth = v2Authorizer{JWT: rawJWT{Claims: e.auth.JWT.Claims[:0], Scopes: e.auth.JWT.Scopes[:0]}}
	e.authDesc = events.APIGatewayV2HTTPRequestContextAuthorizerDescription{}
	if hadAuth {
		ev.RequestContext.Authorizer = &e.authDesc
	}
	if cap(e.scratch) > 1<<20 {
		e.scratch = nil // do not pin large bodies
	}
}

// decode fills e from payload.
func (e *v2Event) decode(payload []byte) error {
	// Set each time: a null payload or requestContext zeroes these.
	e.wire.APIGatewayV2HTTPRequest = &e.ev
	e.wire.RequestContext.APIGatewayV2HTTPRequestContext = &e.ev.RequestContext
	e.wire.RequestContext.Authorizer = &e.auth
	err := json.Unmarshal(payload, &e.wire)
	switch a := e.wire.RequestContext.Authorizer; {
	case a == nil:
		e.ev.RequestContext.Authorizer = nil // "authorizer": null
	case a.present:
		e.authDesc.Lambda, e.authDesc.IAM = a.Lambda, a.IAM
		e.ev.RequestContext.Authorizer = &e.authDesc
	}
	if err != nil {
		return decodeError("HTTP API", err)
	}
	return nil
}

// hasJWT reports whether the event had a JWT authorizer description (one
// is only read inside an authorizer object, which duplicates and null
// cannot follow).
func (e *v2Event) hasJWT() bool { return e.auth.JWT.present }

// decodeV1 decodes a REST API (v1 proxy) event; numbers in its authorizer
// context stay exact (json.Number).
func decodeV1(payload []byte) (*events.APIGatewayProxyRequest, error) {
	ev := new(events.APIGatewayProxyRequest)
	if err := json.Unmarshal(payload, ev, numberOptions); err != nil {
		return nil, decodeError("REST API", err)
	}
	return ev, nil
}

// decodeALB decodes an ALB target group event.
func decodeALB(payload []byte) (*events.ALBTargetGroupRequest, error) {
	ev := new(events.ALBTargetGroupRequest)
	if err := json.Unmarshal(payload, ev); err != nil {
		return nil, decodeError("ALB", err)
	}
	return ev, nil
}
