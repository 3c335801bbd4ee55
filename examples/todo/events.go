package todo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/docstore"
	"gocloud.dev/pubsub"
)

// Stats are a user's counters, kept by the stats function from events.
type Stats struct {
	Key       string `docstore:"user" json:"-"` // statsKey(user)
	Created   int    `docstore:"created" json:"created"`
	Completed int    `docstore:"completed" json:"completed"`
	Deleted   int    `docstore:"deleted" json:"deleted"`

	DocstoreRevision any `json:"-"`
}

// eventRecord marks an event as counted. It lives in the stats collection
// beside the counters so that both are written in one atomic write, and
// the backend may drop it once ExpiresAt has passed.
type eventRecord struct {
	Key       string    `docstore:"user"` // eventKey(event ID)
	ExpiresAt time.Time `docstore:"expires_at"`
}

// EventDedupeWindow is how long an event's ID is remembered: longer than
// any platform keeps redelivering a message (SQS and Service Bus 14 days,
// Pub/Sub 7 by default and 31 at most).
const EventDedupeWindow = 35 * 24 * time.Hour

// The stats collection's keys: prefixed, so a user ID can never name an
// event record, nor an event ID a user's counters.
func statsKey(user string) string { return "user:" + user }
func eventKey(id string) string   { return "event:" + id }

// countAttempts bounds the in-process retries of a write that lost a race.
const countAttempts = 5

func sendEvent(ctx context.Context, topic *sdk.Topic, ev Event) error {
	t, err := topic.Open(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("todo: encode event: %w", err)
	}
	return t.Send(ctx, &pubsub.Message{Body: body, Metadata: map[string]string{"type": ev.Type}})
}

// countEvent updates the user's stats exactly once per event, however often
// and however late it is delivered: the event's record is created in the
// same atomic write as the counters, which is itself conditional on the
// counters' revision. A delivery that finds the record, or whose write
// fails because a racing delivery created it, counts nothing.
func (s *service) countEvent(ctx context.Context, m *sdk.Message) error {
	var ev Event
	if err := json.Unmarshal(m.Data, &ev); err != nil || ev.ID == "" || ev.User == "" {
		return sdk.FieldError("data", "not a to-do event: %q", m.Data)
	}
	if ev.Type != EventCreated && ev.Type != EventCompleted && ev.Type != EventDeleted {
		return sdk.FieldError("type", "unknown event type %q", ev.Type)
	}
	coll, err := s.stats.Open(ctx)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err := s.countOnce(ctx, coll, ev)
		if err == nil || sdk.CodeOf(err) != sdk.CodeConflict || attempt == countAttempts {
			if sdk.CodeOf(err) == sdk.CodeConflict {
				err = sdk.Wrap(sdk.CodeUnavailable, err) // lost every race: let redelivery retry
			}
			return err
		}
	}
}

func (s *service) countOnce(ctx context.Context, coll *docstore.Collection, ev Event) error {
	rec := &eventRecord{Key: eventKey(ev.ID)}
	seen, err := exists(ctx, coll, rec)
	if err != nil || seen {
		return err
	}
	st := &Stats{Key: statsKey(ev.User)}
	found, err := exists(ctx, coll, st)
	if err != nil {
		return err
	}
	switch ev.Type {
	case EventCreated:
		st.Created++
	case EventCompleted:
		st.Completed++
	case EventDeleted:
		st.Deleted++
	}
	rec.ExpiresAt = s.clock().Add(EventDedupeWindow)
	actions := coll.Actions().AtomicWrites().Create(rec)
	if found {
		actions.Replace(st) // conditional on the revision read
	} else {
		actions.Create(st)
	}
	werr := actions.Do(ctx)
	if werr == nil {
		return nil
	}
	// The record exists only if a write that counted the event committed.
	if seen, err := exists(ctx, coll, &eventRecord{Key: rec.Key}); err == nil && seen {
		return nil
	}
	return fmt.Errorf("todo: count event %s: %w", ev.ID, werr)
}

// exists loads doc and reports whether it was there.
func exists(ctx context.Context, coll *docstore.Collection, doc docstore.Document) (bool, error) {
	err := coll.Get(ctx, doc)
	if sdk.CodeOf(err) == sdk.CodeNotFound {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("todo: stats: %w", err)
	}
	return true, nil
}

func (s *service) getStats(w http.ResponseWriter, r *http.Request) {
	coll, err := s.stats.Open(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	st := &Stats{Key: statsKey(user(r))}
	if _, err := exists(r.Context(), coll, st); err != nil {
		fail(w, r, err)
		return
	}
	sdk.WriteJSON(w, http.StatusOK, st)
}
