package sdk

import (
	"errors"
	"fmt"

	"gocloud.dev/gcerrors"
)

// Code classifies an error so that providers can map it to an HTTP status and
// a retry decision. The zero value is CodeUnknown.
type Code int

// The error codes. Their numbers are stable; do not reorder.
const (
	CodeUnknown            Code = iota // not classified; treated like CodeInternal
	CodeInvalidInput                   // the request or event is malformed
	CodeNotFound                       // the thing addressed does not exist (or is not visible)
	CodeConflict                       // the write conflicts with the current state
	CodeFailedPrecondition             // a precondition such as If-Match did not hold
	CodeUnauthenticated                // no or bad credentials
	CodeForbidden                      // authenticated but not allowed
	CodeUnavailable                    // a dependency is temporarily down; try again
	CodeInternal                       // a bug or unexpected failure
)

var codeNames = [...]string{
	CodeUnknown:            "unknown",
	CodeInvalidInput:       "invalid_input",
	CodeNotFound:           "not_found",
	CodeConflict:           "conflict",
	CodeFailedPrecondition: "failed_precondition",
	CodeUnauthenticated:    "unauthenticated",
	CodeForbidden:          "forbidden",
	CodeUnavailable:        "unavailable",
	CodeInternal:           "internal",
}

// String returns the snake_case name used in JSON error bodies.
func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code(%d)", int(c))
}

// ParseCode returns the Code whose String is s.
func ParseCode(s string) (Code, bool) {
	for i, n := range codeNames {
		if n == s {
			return Code(i), true
		}
	}
	return CodeUnknown, false
}

// Error is an error with a Code, an optional offending Field and an optional
// cause. Create one with Errorf or Wrap.
type Error struct {
	Code    Code
	Field   string // the input field at fault, if any
	Message string
	Err     error // the cause, if any
}

// Error implements error. Message is the whole text when set (Errorf puts
// the cause's text in it); otherwise the cause's text, the field or the code.
func (e *Error) Error() string {
	switch {
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Err.Error()
	case e.Field != "":
		return "invalid " + e.Field
	}
	return e.Code.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message. A %w
// verb in format records the cause.
func Errorf(code Code, format string, args ...any) error {
	wrapped := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: wrapped.Error(), Err: errors.Unwrap(wrapped)}
}

// FieldError returns an *Error with CodeInvalidInput naming the offending field.
func FieldError(field, format string, args ...any) error {
	return &Error{Code: CodeInvalidInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap classifies err with code. It returns nil if err is nil.
func Wrap(code Code, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// CodeOf returns the Code of err: the Code of the first *Error in its chain,
// unless that is CodeUnknown; otherwise the Code matching err's gocloud.dev
// error code, so errors from buckets, collections and topics need no
// translating by hand; otherwise CodeUnknown. A nil error is CodeUnknown.
//
// The gocloud.dev mapping: NotFound is CodeNotFound; AlreadyExists and
// FailedPrecondition (a revision that no longer matches) are CodeConflict;
// InvalidArgument is CodeInvalidInput; PermissionDenied is CodeForbidden;
// ResourceExhausted, DeadlineExceeded and Canceled are
// CodeUnavailable; Internal and Unimplemented are CodeInternal.
func CodeOf(err error) Code {
	if err == nil {
		return CodeUnknown
	}
	var e *Error
	if errors.As(err, &e) && e.Code != CodeUnknown {
		return e.Code
	}
	return fromGCErrorCode(gcerrors.Code(err))
}

// fromGCErrorCode is CodeOf's table for gocloud.dev error codes.
func fromGCErrorCode(c gcerrors.ErrorCode) Code {
	switch c {
	case gcerrors.NotFound:
		return CodeNotFound
	case gcerrors.AlreadyExists, gcerrors.FailedPrecondition:
		return CodeConflict
	case gcerrors.InvalidArgument:
		return CodeInvalidInput
	case gcerrors.PermissionDenied:
		return CodeForbidden
	case gcerrors.ResourceExhausted, gcerrors.DeadlineExceeded, gcerrors.Canceled:
		return CodeUnavailable
	case gcerrors.Internal, gcerrors.Unimplemented:
		return CodeInternal
	}
	return CodeUnknown
}

// Retryable reports whether a failed event delivery should be retried: true
// for CodeUnavailable, CodeInternal and unclassified errors, false for errors
// that will fail the same way again (invalid input, not found, conflicts,
// auth). Providers whose platform cannot drop a single message keep retrying
// regardless and let the platform's dead-letter policy decide.
func Retryable(err error) bool {
	switch CodeOf(err) {
	case CodeUnknown, CodeUnavailable, CodeInternal:
		return true
	}
	return false
}

// PanicError is what a function returns, wrapped in an *Error with
// CodeInternal, when the user's handler panicked (see provider.HandleMessage).
type PanicError struct {
	Value any
	Stack []byte
}

// Error implements error.
func (p *PanicError) Error() string { return fmt.Sprintf("sdk: handler panicked: %v", p.Value) }
