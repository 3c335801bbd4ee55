// Package todo is the faas showcase: a multi-user to-do list with sign-in,
// per-user data, attachments in a bucket, events on a topic, a blob-event
// function and a scheduled clean-up, served with its Vue front end from one
// origin. It imports only the faas SDK and gocloud.dev's portable types, so
// the same code runs under faas dev, AWS Lambda, Cloud Run functions and
// Azure Functions.
package todo

import (
	"fmt"
	"os"

	"github.com/faaskit/faas/examples/todo/web"
	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/auth"
)

// Resource and function names.
const (
	AttachmentsBucket = "attachments"
	TodosCollection   = "todos"
	StatsCollection   = "stats"
	EventsTopic       = "events"
	PurgeSchedule     = "cron(0 3 * * *)"
)

// App builds the to-do app. Auth settings come from the environment
// (FAAS_AUTH_ISSUER, FAAS_AUTH_AUDIENCE, ...; see sdk/auth.ConfigFromEnv),
// which faas dev points at its dev issuer and the deployers at the
// configured OIDC provider.
func App() *sdk.App {
	a := sdk.New("todo", nil)
	s := &service{
		todos:       a.Collection(TodosCollection, &sdk.CollectionOptions{KeyField: "id", Indexes: todoIndexes}),
		stats:       a.Collection(StatsCollection, &sdk.CollectionOptions{KeyField: "user", ExpiryField: "expires_at"}),
		attachments: a.Bucket(AttachmentsBucket, nil),
		events:      a.Topic(EventsTopic, nil),
	}
	cfg, err := auth.ConfigFromEnv(os.LookupEnv)
	var verifier *auth.Verifier
	if err == nil {
		verifier, err = auth.NewVerifier(cfg)
	}
	if err != nil {
		a.AddError(fmt.Errorf("todo: sign-in is not configured: %w", err))
	}
	a.HTTP("web", s.routes(verifier, cfg, os.Getenv("FAAS_AUTH_CLIENT_ID"), web.Handler()), nil)
	a.Message("stats", EventsTopic, s.countEvent, &sdk.MessageOptions{MaxAttempts: 8})
	a.BlobEvent("attachment-meta", AttachmentsBucket, s.recordAttachment, nil)
	a.Schedule("purge", PurgeSchedule, s.purge, nil)
	return a
}
