package azurefunc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/faaskit/faas/providers/azurefunc/hostjson"
)

// Binding names used in the generated function.json files. The shim reads
// Data[<name>] for triggers and writes Outputs[<name>] for HTTP responses.
const (
	BindingHTTPRequest  = "req"   // httpTrigger
	BindingHTTPResponse = "res"   // http output
	BindingMessage      = "msg"   // serviceBusTrigger, dataType binary
	BindingEvent        = "event" // eventGridTrigger (blob created/deleted)
	BindingTimer        = "timer" // timerTrigger
)

// Header names of the custom-handler protocol.
const (
	HeaderInvocationID = "X-Azure-Functions-InvocationId"
	HeaderHostVersion  = "X-Azure-Functions-HostVersion"
)

// DefaultRoutePrefix is extensions.http.routePrefix in the generated
// host.json: public URLs are https://<app>.azurewebsites.net/api/<route>,
// and forwarded requests arrive at /api/<route>.
const DefaultRoutePrefix = hostjson.DefaultRoutePrefix

// InvokeRequest is the body the host POSTs to /<FunctionName> in JSON mode.
// Values keep their raw JSON because the host encodes them inconsistently
// (see Scalar and Bytes).
type InvokeRequest struct {
	Data     map[string]json.RawMessage `json:"Data"`
	Metadata map[string]json.RawMessage `json:"Metadata"`
}

// InvokeResponse is the body the handler answers a JSON-mode invocation
// with. The host requires a 2xx status to accept it.
type InvokeResponse struct {
	Outputs     map[string]any `json:"Outputs"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
}

// HTTPOutput is an "http" output binding value in JSON mode. The host
// (HttpOutputBindingResponse) requires all four fields; statusCode and
// status are strings, headers single strings.
type HTTPOutput struct {
	StatusCode string            `json:"statusCode"`
	Status     string            `json:"status"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// Scalar decodes a metadata or data value the way the host writes scalars:
// JsonConvert.SerializeObject of a string gives a JSON string whose content
// is itself JSON-quoted ("\"abc\""), numbers arrive as "1" or 1, dates
// with or without the inner quotes. Scalar returns the plain text in every
// case, and "" for null or a missing value.
func Scalar(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] != '"' {
		return string(raw) // number, bool, object
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(raw)
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		var inner string
		if err := json.Unmarshal([]byte(s), &inner); err == nil {
			return inner
		}
	}
	return s
}

// Bytes decodes a trigger payload bound with dataType "binary": the host
// sends byte[] as a base64 JSON string. It falls back to the other shapes
// the host produces for non-binary bindings: a JSON-encoded string (taken
// once unquoted), or a JSON object or array (taken verbatim).
func Bytes(raw json.RawMessage) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '"' {
		return []byte(raw)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return []byte(raw)
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		var inner string
		if err := json.Unmarshal([]byte(s), &inner); err == nil {
			return []byte(inner)
		}
	}
	return []byte(s)
}

// Object decodes a value that the host sends either as a JSON object or as
// a (possibly doubly) JSON-encoded string holding the object, into v.
func Object(raw json.RawMessage, v any) error {
	raw = bytes.TrimSpace(raw)
	for range 3 {
		if len(raw) == 0 || raw[0] != '"' {
			break
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		raw = []byte(strings.TrimSpace(s))
	}
	return json.Unmarshal(raw, v)
}

// Int decodes a scalar integer such as DeliveryCount ("1" or 1); 0 if absent.
func Int(raw json.RawMessage) int {
	n, _ := strconv.Atoi(Scalar(raw))
	return n
}

// EncodeOutput encodes bytes for a non-HTTP output binding value. The host
// runs Convert.FromBase64String on every such string and, when that
// succeeds, writes the decoded bytes, so a plain string that happens to be
// valid base64 ("test") would be silently mangled. Always sending base64
// makes the decode deliberate and binary-safe.
func EncodeOutput(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
