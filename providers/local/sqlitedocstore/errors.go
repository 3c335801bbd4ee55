package sqlitedocstore

import (
	"context"
	"errors"
	"fmt"

	"gocloud.dev/gcerrors"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// codedError is an error carrying a gcerrors.ErrorCode. Its message always
// starts with "sqlitedocstore: ".
type codedError struct {
	code gcerrors.ErrorCode
	msg  string
	err  error // optional underlying error
}

func (e *codedError) Error() string {
	if e.err != nil {
		return "sqlitedocstore: " + e.msg + ": " + e.err.Error()
	}
	return "sqlitedocstore: " + e.msg
}

func (e *codedError) Unwrap() error { return e.err }

// Is lets errors.Is(err, gcerrors.ErrNotFound) and friends work.
func (e *codedError) Is(target error) bool {
	return target == sentinel(e.code)
}

func sentinel(c gcerrors.ErrorCode) error {
	switch c {
	case gcerrors.NotFound:
		return gcerrors.ErrNotFound
	case gcerrors.AlreadyExists:
		return gcerrors.ErrAlreadyExists
	case gcerrors.InvalidArgument:
		return gcerrors.ErrInvalidArgument
	case gcerrors.Internal:
		return gcerrors.ErrInternal
	case gcerrors.FailedPrecondition:
		return gcerrors.ErrFailedPrecondition
	case gcerrors.PermissionDenied:
		return gcerrors.ErrPermissionDenied
	case gcerrors.ResourceExhausted:
		return gcerrors.ErrResourceExhausted
	case gcerrors.Unimplemented:
		return gcerrors.ErrUnimplemented
	}
	return nil
}

// newError returns a coded error with a formatted message and no cause.
func newError(code gcerrors.ErrorCode, format string, args ...any) error {
	return &codedError{code: code, msg: fmt.Sprintf(format, args...)}
}

// wrapError wraps err (which must be non-nil) once, adding context and the
// package prefix. The code is derived from err.
func wrapError(err error, format string, args ...any) error {
	return fmt.Errorf("sqlitedocstore: %s: %w", fmt.Sprintf(format, args...), err)
}

// errorCode classifies an error returned by this package.
func errorCode(err error) gcerrors.ErrorCode {
	if err == nil {
		return gcerrors.OK
	}
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code
	}
	if errors.Is(err, context.Canceled) {
		return gcerrors.Canceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return gcerrors.DeadlineExceeded
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_NOMEM:
			return gcerrors.ResourceExhausted
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			return gcerrors.PermissionDenied
		case sqlite3.SQLITE_INTERRUPT:
			return gcerrors.Canceled
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_INTERNAL, sqlite3.SQLITE_MISUSE:
			return gcerrors.Internal
		}
		return gcerrors.Unknown
	}
	// Errors from the docstore driver codec and driver.Document carry their
	// own codes.
	return gcerrors.Code(err)
}
