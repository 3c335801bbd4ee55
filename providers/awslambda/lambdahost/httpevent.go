package lambdahost

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

var errTooLarge = errors.New("lambdahost: request payload too large")

// NewHTTPEvent returns r as the API Gateway HTTP API (payload format 2.0)
// event JSON: rawPath keeps the client's escaping, rawQueryString is
// passed through, repeated headers are joined with commas, cookies go to
// the cookies array, and a body that is not UTF-8 text is base64-encoded.
func NewHTTPEvent(r *http.Request, region string) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("lambdahost: reading request body: %w", err)
	}
	if len(body) > MaxPayload {
		return nil, errTooLarge
	}
	now := time.Now()
	headers := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, v := range vs {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	if ip == "" {
		ip = "127.0.0.1"
	}
	id := newID()
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "$default",
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Cookies:        cookies,
		Headers:        headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "$default", AccountID: AccountID, Stage: "$default", RequestID: id, APIID: "local",
			DomainName: r.Host, DomainPrefix: strings.Split(r.Host, ".")[0],
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: ip, UserAgent: r.UserAgent(),
			},
		},
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		for k, vs := range q {
			ev.QueryStringParameters[k] = strings.Join(vs, ",")
		}
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return json.Marshal(ev)
}

// WriteHTTPResponse writes a payload format 2.0 response to w as API
// Gateway would. A payload that is not an object with a statusCode is
// returned as a 200 application/json body (HTTP API's inference).
func WriteHTTPResponse(w http.ResponseWriter, method string, out []byte) error {
	var resp struct {
		events.APIGatewayV2HTTPResponse
		StatusCode *int `json:"statusCode"`
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		if method != http.MethodHead {
			w.Write(out)
		}
		return nil
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return fmt.Errorf("lambdahost: response body is not base64: %w", err)
		}
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" && len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(*resp.StatusCode)
	if method != http.MethodHead {
		w.Write(body)
	}
	return nil
}

// isText reports whether API Gateway would pass a body of this type as text.
func isText(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(ct)
	}
	return mt == "" || strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "json") || strings.HasSuffix(mt, "xml") ||
		strings.HasSuffix(mt, "javascript") || mt == "application/x-www-form-urlencoded"
}

func isUTF8(b []byte) bool { return utf8.Valid(b) }

// escapeKey hex-escapes a metadata key like gocloud.dev's awssnssqs:
// anything but ASCII letters, digits, '_', '-' and non-leading,
// non-repeated '.' becomes "__0x<hex>__".
func escapeKey(k string) string {
	var b bytes.Buffer
	rs := []rune(k)
	for i, c := range rs {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		case c == '.' && i != 0 && rs[i-1] != '.':
		default:
			fmt.Fprintf(&b, "__0x%x__", c)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// escapeValue URL-escapes a metadata value like gocloud.dev's awssnssqs.
func escapeValue(v string) string { return url.PathEscape(v) }

// escapeS3Key form-encodes a key the way S3 notifications do.
func escapeS3Key(k string) string {
	return strings.ReplaceAll(url.QueryEscape(k), "%2F", "/")
}
