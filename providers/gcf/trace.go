package gcf

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// traceContext is the trace a request belongs to, in Cloud Trace's terms.
type traceContext struct {
	traceID string // 32 lower-case hex digits
	spanID  string // 16 hex digits
	sampled bool
}

// traceFromHeader reads the W3C traceparent header, falling back to
// X-Cloud-Trace-Context ("TRACE_ID/SPAN_ID;o=1", span in decimal).
func traceFromHeader(h http.Header) traceContext {
	if tc, ok := parseTraceparent(h.Get("Traceparent")); ok {
		return tc
	}
	return parseCloudTraceContext(h.Get("X-Cloud-Trace-Context"))
}

// parseTraceparent parses "00-<32 hex trace>-<16 hex span>-<2 hex flags>".
func parseTraceparent(s string) (traceContext, bool) {
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return traceContext{}, false
	}
	trace, span, flags := s[3:35], s[36:52], s[53:55]
	if !isHex(trace) || !isHex(span) || !isHex(flags) || trace == strings.Repeat("0", 32) {
		return traceContext{}, false
	}
	f, _ := strconv.ParseUint(flags, 16, 8)
	return traceContext{traceID: strings.ToLower(trace), spanID: strings.ToLower(span), sampled: f&1 == 1}, true
}

// parseCloudTraceContext parses the legacy X-Cloud-Trace-Context header.
func parseCloudTraceContext(s string) traceContext {
	if s == "" {
		return traceContext{}
	}
	rest, opts, _ := strings.Cut(s, ";")
	trace, span, _ := strings.Cut(rest, "/")
	if !isHex(trace) {
		return traceContext{}
	}
	tc := traceContext{traceID: strings.ToLower(trace), sampled: opts == "o=1"}
	if n, err := strconv.ParseUint(span, 10, 64); err == nil && n != 0 {
		tc.spanID = strconv.FormatUint(n, 16)
		tc.spanID = strings.Repeat("0", 16-len(tc.spanID)) + tc.spanID
	}
	return tc
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// newID returns a random 16-hex-digit execution ID, for invocations the
// platform gave none.
func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
