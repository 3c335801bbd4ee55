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
	// jwt holds requestContext.authorizer.jwt as sent: API Gateway
	// passes claims as strings, but numbers, arrays and objects are kept
	// too, and decoded only if the handler calls AuthorizerFrom.
	jwt     rawJWT
	hasJWT  bool
	scratch []byte // the base64-decoded body
	opts    json.Options
}

// rawJWT is an HTTP API JWT authorizer's claims and scopes, undecoded.
type rawJWT struct {
	Claims jsontext.Value `json:"claims"`
	Scopes jsontext.Value `json:"scopes"`
}

var v2Pool = sync.Pool{New: func() any { return newV2Event() }}

func newV2Event() *v2Event {
	e := &v2Event{}
	e.opts = json.WithUnmarshalers(json.UnmarshalFromFunc(e.unmarshalJWT))
	return e
}

func getV2Event() *v2Event { return v2Pool.Get().(*v2Event) }

// putV2Event empties e and pools it.
func putV2Event(e *v2Event) {
	e.reset()
	v2Pool.Put(e)
}

// reset empties e for the next event, keeping the storage of its maps,
// slices and authorizer (an absent one thus reads as empty, not nil).
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
	auth := ev.RequestContext.Authorizer
	if auth != nil {
		// The JWT description stays empty: unmarshalJWT fills e.jwt.
		*auth = events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: auth.JWT}
	}
	*ev = events.APIGatewayV2HTTPRequest{Headers: h, QueryStringParameters: q, PathParameters: p, StageVariables: s, Cookies: c[:0]}
	ev.RequestContext.Authorizer = auth
	e.jwt.Claims, e.jwt.Scopes, e.hasJWT = e.jwt.Claims[:0], e.jwt.Scopes[:0], false
	if cap(e.scratch) > 1<<20 {
		e.scratch = nil // do not pin large bodies
	}
}

// decode fills e from payload.
func (e *v2Event) decode(payload []byte) error {
	if err := json.Unmarshal(payload, &e.ev, e.opts); err != nil {
		return decodeError("HTTP API", err)
	}
	return nil
}

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

// unmarshalJWT keeps the JWT authorizer's claims and scopes raw in e.
func (e *v2Event) unmarshalJWT(dec *jsontext.Decoder, _ *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription) error {
	e.hasJWT = true
	return json.UnmarshalDecode(dec, &e.jwt)
}
