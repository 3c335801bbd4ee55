package sdk

import (
	"encoding/json"
	"errors"
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
}

// WriteError writes err as a JSON error response with the status its Code
// maps to. Internal errors are reported with a generic message so that
// details do not leak to clients; log them before calling WriteError.
func WriteError(w http.ResponseWriter, err error) {
	code := CodeOf(err)
	detail := ErrorDetail{Code: code.String(), Message: err.Error()}
	var e *Error
	if errors.As(err, &e) {
		detail.Field = e.Field
	}
	if code == CodeUnknown || code == CodeInternal {
		detail.Code = CodeInternal.String()
		detail.Message = "internal error"
	}
	WriteJSON(w, HTTPStatus(code), ErrorBody{Error: detail})
}

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"encoding response"}}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
