package sdk

import (
	"context"
	"log/slog"
	"time"

	"github.com/faaskit/faas/sdk/internal/seam"
)

// Invocation describes one call of one function. Providers create it for
// every platform event and attach it with provider.NewContext; handlers read it with
// InvocationFrom.
type Invocation struct {
	ID       string    // unique per invocation (request ID, event ID, ...)
	Function string    // the function's registered name
	TraceID  string    // the platform's trace identifier, if any
	Deadline time.Time // zero when the platform sets none
	Provider string    // "local", "aws", "gcp", "azure"
	Logger   *slog.Logger
}

// User is the authenticated caller of an HTTP function.
type User struct {
	ID     string         // the stable subject identifier (the "sub" claim by default)
	Email  string         // the email claim, if present
	Name   string         // the name claim, if present
	Claims map[string]any // every verified claim
}

type userKey struct{}

// InvocationFrom returns the invocation carried by ctx, or nil.
func InvocationFrom(ctx context.Context) *Invocation {
	inv, _ := ctx.Value(seam.InvocationKey{}).(*Invocation)
	return inv
}

// Logger returns the invocation's logger, which writes the provider's
// structured-log shape with the invocation ID attached, or slog.Default()
// outside an invocation.
func Logger(ctx context.Context) *slog.Logger {
	if inv := InvocationFrom(ctx); inv != nil && inv.Logger != nil {
		return inv.Logger
	}
	return slog.Default()
}

// WithUser returns ctx carrying the authenticated user. Auth middleware calls it.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the authenticated user carried by ctx, or nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// UserID returns the authenticated user's ID and whether there is one.
func UserID(ctx context.Context) (string, bool) {
	if u := UserFrom(ctx); u != nil && u.ID != "" {
		return u.ID, true
	}
	return "", false
}
