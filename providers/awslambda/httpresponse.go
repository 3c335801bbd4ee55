package awslambda

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/faaskit/faas/internal/jsonstr"
)

// responseWriter buffers the function's response: API Gateway, Function
// URLs and ALB take a whole response at once. Writers are pooled with
// their header map and buffers: net/http forbids using a ResponseWriter
// after ServeHTTP returns.
type responseWriter struct {
	header http.Header
	status int
	body   []byte
	out    []byte // the encoded response, for small ones
	head   bool   // HEAD request: the body is dropped
}

var writerPool = sync.Pool{New: func() any { return &responseWriter{} }}

func getWriter(head bool) *responseWriter {
	w := writerPool.Get().(*responseWriter)
	if w.header == nil {
		w.header = make(http.Header, 4)
	}
	w.status, w.head = 0, head
	return w
}

func putWriter(w *responseWriter) {
	if cap(w.body) > 1<<20 {
		w.body = nil // do not pin large buffers
	}
	if len(w.header) > 32 {
		w.header = nil // nor a map grown by an unusual response
	} else {
		clear(w.header)
	}
	w.body = w.body[:0]
	writerPool.Put(w)
}

// Header implements http.ResponseWriter.
func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter.
func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// Write implements http.ResponseWriter.
func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.head && bodyAllowed(w.status) {
		w.body = append(w.body, p...)
	}
	return len(p), nil
}

// WriteString implements io.StringWriter.
func (w *responseWriter) WriteString(p string) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.head && bodyAllowed(w.status) {
		w.body = append(w.body, p...)
	}
	return len(p), nil
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified && (status < 100 || status > 199)
}

// smallResponse is the size up to which encode renders the response in
// the writer's pooled buffer and returns an exact copy; larger responses
// are rendered straight into their own, estimated, buffer.
const smallResponse = 4 << 10

// encode renders the buffered response in the shape format f requires.
func (w *responseWriter) encode(f httpFormat) []byte {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if len(w.body) > 0 && w.header.Get("Content-Type") == "" {
		w.header.Set("Content-Type", http.DetectContentType(w.body))
	}
	b64 := len(w.body) > 0 && !(isText(w.header.Get("Content-Type")) && utf8.Valid(w.body))
	n := 128 + len(w.body) + len(w.body)/16
	if b64 {
		n = 128 + base64.StdEncoding.EncodedLen(len(w.body))
	}
	for k, vs := range w.header {
		for _, v := range vs {
			n += len(k) + len(v) + 8
		}
	}
	var out []byte
	if n <= smallResponse {
		out = w.out[:0]
	} else {
		out = make([]byte, 0, n)
	}
	out = append(out, `{"statusCode":`...)
	out = strconv.AppendInt(out, int64(w.status), 10)
	switch f {
	case formatV2:
		out = w.appendSingleHeaders(out, true)
		if c := w.header["Set-Cookie"]; len(c) > 0 {
			out = append(out, `,"cookies":[`...)
			for i, v := range c {
				if i > 0 {
					out = append(out, ',')
				}
				out = jsonstr.Append(out, v)
			}
			out = append(out, ']')
		}
	case formatV1:
		out = w.appendMultiHeaders(out)
	case formatALB:
		out = appendStatusDescription(out, w.status)
		out = w.appendSingleHeaders(out, false)
	case formatALBMulti:
		out = appendStatusDescription(out, w.status)
		out = w.appendMultiHeaders(out)
	}
	out = append(out, `,"body":`...)
	if b64 {
		out = append(out, '"')
		out = base64.StdEncoding.AppendEncode(out, w.body)
		out = append(out, `","isBase64Encoded":true}`...)
	} else {
		out = jsonstr.Append(out, w.body)
		out = append(out, `,"isBase64Encoded":false}`...)
	}
	if n > smallResponse {
		return out
	}
	if cap(out) <= 2*smallResponse {
		w.out = out
	}
	return bytes.Clone(out)
}

// appendSingleHeaders writes "headers" with repeated values joined by
// commas. Set-Cookie goes to the cookies array in v2; ALB's single-value
// mode can carry only one, the last.
func (w *responseWriter) appendSingleHeaders(out []byte, v2 bool) []byte {
	out = append(out, `,"headers":{`...)
	first := true
	for k, vs := range w.header {
		if len(vs) == 0 || (v2 && k == "Set-Cookie") {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = jsonstr.Append(out, k)
		out = append(out, ':')
		if k == "Set-Cookie" {
			out = jsonstr.Append(out, vs[len(vs)-1])
			continue
		}
		if len(vs) == 1 {
			out = jsonstr.Append(out, vs[0])
			continue
		}
		out = jsonstr.Append(out, strings.Join(vs, ","))
	}
	return append(out, '}')
}

// appendMultiHeaders writes "multiValueHeaders", every value kept.
func (w *responseWriter) appendMultiHeaders(out []byte) []byte {
	out = append(out, `,"multiValueHeaders":{`...)
	first := true
	for k, vs := range w.header {
		if len(vs) == 0 {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = jsonstr.Append(out, k)
		out = append(out, ":["...)
		for i, v := range vs {
			if i > 0 {
				out = append(out, ',')
			}
			out = jsonstr.Append(out, v)
		}
		out = append(out, ']')
	}
	return append(out, '}')
}

func appendStatusDescription(out []byte, status int) []byte {
	out = append(out, `,"statusDescription":"`...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, ' ')
	out = append(out, http.StatusText(status)...)
	return append(out, '"')
}

// isText reports whether a body of this content type can travel as a JSON
// string (otherwise it is base64-encoded). Only the media type counts,
// case-insensitively; parameters are ignored.
func isText(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "json"), strings.HasSuffix(mt, "+xml"), strings.HasSuffix(mt, "/xml"),
		strings.HasSuffix(mt, "javascript"), strings.HasSuffix(mt, "yaml"),
		mt == "application/x-www-form-urlencoded", mt == "image/svg+xml":
		return true
	}
	return false
}
