package sdk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// HTTPStatus is the portable table from Code to HTTP status.
func HTTPStatus(c Code) int {
	switch c {
	case CodeInvalidInput:
		return http.StatusBadRequest
	case CodeNotFound:
		return http.StatusNotFound
	case CodeConflict:
		return http.StatusConflict
	case CodeFailedPrecondition:
		return http.StatusPreconditionFailed
	case CodeUnauthenticated:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every error response written by WriteError:
// {"error":{"code":"invalid_input","message":"...","field":"title"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inner object of ErrorBody.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// RequestID is set when the message is the code's stable text because
	// the error's own text was withheld; the log line with the detail
	// carries the same request_id.
	RequestID string `json:"request_id,omitempty"`
}

// stableMessages are the texts clients get when an error's own text is
// withheld.
var stableMessages = [...]string{
	CodeInvalidInput:       "the request is not valid",
	CodeNotFound:           "not found",
	CodeConflict:           "the request conflicts with the current state; reload and try again",
	CodeFailedPrecondition: "a precondition of the request does not hold",
	CodeUnauthenticated:    "sign-in required",
	CodeForbidden:          "not allowed",
	CodeUnavailable:        "the service is temporarily unavailable; try again",
	CodeInternal:           "internal error",
}

// WriteError writes err as a JSON error response (ErrorBody) with the
// status its Code (CodeOf) maps to.
//
// Clients see the message of an error made with Errorf or FieldError for
// client-side codes (invalid input, not found, conflict, failed
// precondition, unauthenticated, forbidden). Anything else — every
// unavailable, internal or unclassified error, and any error whose text
// comes from a wrapped cause (Wrap, or a bare gocloud.dev error) — gets
// the code's stable message and a request ID instead, and the detail is
// logged with that ID, so storage keys, user IDs and driver messages never
// reach clients. WriteError logs with slog.Default and makes up the request
// ID; inside a handler prefer WriteErrorContext.
func WriteError(w http.ResponseWriter, err error) {
	writeError(w, err, nil, slog.Default())
}

// WriteErrorContext is WriteError for a request: the request ID is the
// invocation ID that ctx carries, when there is one, and the detail goes to
// the invocation's log (Logger(ctx)). Pass r.Context().
func WriteErrorContext(ctx context.Context, w http.ResponseWriter, err error) {
	writeError(w, err, InvocationFrom(ctx), Logger(ctx))
}

func writeError(w http.ResponseWriter, err error, inv *Invocation, log *slog.Logger) {
	code := CodeOf(err)
	if code == CodeUnknown {
		code = CodeInternal
	}
	detail := ErrorDetail{Code: code.String()}
	if msg, field, ok := publicMessage(err, code); ok {
		detail.Message, detail.Field = msg, field
	} else {
		detail.Message = stableMessages[code]
		detail.RequestID = requestID(inv)
		log.Error("request failed", "code", detail.Code, "request_id", detail.RequestID, "error", errorText(err))
	}
	WriteJSON(w, HTTPStatus(code), ErrorBody{Error: detail})
}

// publicMessage returns the message and field clients may see for err, and
// false when its text must be withheld.
func publicMessage(err error, code Code) (msg, field string, ok bool) {
	var e *Error
	if code == CodeUnavailable || code == CodeInternal || !errors.As(err, &e) || e.Code != code {
		return "", "", false
	}
	if e.Message == "" && e.Err != nil {
		return "", "", false // the text would be the cause's
	}
	return e.Error(), e.Field, true
}

func requestID(inv *Invocation) string {
	if inv != nil && inv.ID != "" {
		return inv.ID
	}
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func errorText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteJSONBytes(w, http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"encoding response"}}`+"\n"))
		return
	}
	WriteJSONBytes(w, status, append(b, '\n'))
}

// WriteJSONBytes writes doc, an already encoded JSON document, as a JSON
// response with the given status and the headers WriteJSON sets. It is for
// handlers that encode their hottest responses without reflection; doc is
// written as it is, not checked.
func WriteJSONBytes(w http.ResponseWriter, status int, doc []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(doc)
}
