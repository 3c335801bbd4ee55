package todo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/gcerrors"
	"gocloud.dev/pubsub"
)

// Stats are a user's counters, kept by the stats function from events.
type Stats struct {
	User      string   `docstore:"user" json:"-"`
	Created   int      `docstore:"created" json:"created"`
	Completed int      `docstore:"completed" json:"completed"`
	Deleted   int      `docstore:"deleted" json:"deleted"`
	Seen      []string `docstore:"seen" json:"-"` // recent event IDs, for de-duplication

	DocstoreRevision any `json:"-"`
}

// seenLimit bounds the de-duplication window per user.
const seenLimit = 512

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

// countEvent updates the user's stats exactly once per event: the event ID
// is recorded in the same document write as the counters, and the write is
// conditional on the revision read, so a duplicate delivery (or a racing
// one) never counts twice.
func (s *service) countEvent(ctx context.Context, m *sdk.Message) error {
	var ev Event
	if err := json.Unmarshal(m.Data, &ev); err != nil || ev.ID == "" || ev.User == "" {
		return sdk.FieldError("data", "not a to-do event: %q", m.Data)
	}
	coll, err := s.stats.Open(ctx)
	if err != nil {
		return err
	}
	st := &Stats{User: ev.User}
	exists := true
	if err := coll.Get(ctx, st); err != nil {
		if gcerrors.Code(err) != gcerrors.NotFound {
			return sdk.Wrap(sdk.CodeUnavailable, err)
		}
		exists = false
	}
	if slices.Contains(st.Seen, ev.ID) {
		return nil // duplicate delivery
	}
	switch ev.Type {
	case EventCreated:
		st.Created++
	case EventCompleted:
		st.Completed++
	case EventDeleted:
		st.Deleted++
	default:
		return sdk.FieldError("type", "unknown event type %q", ev.Type)
	}
	st.Seen = append(st.Seen, ev.ID)
	if len(st.Seen) > seenLimit {
		st.Seen = st.Seen[len(st.Seen)-seenLimit:]
	}
	if exists {
		err = coll.Replace(ctx, st)
	} else {
		err = coll.Create(ctx, st)
	}
	if code := gcerrors.Code(err); code == gcerrors.FailedPrecondition || code == gcerrors.AlreadyExists {
		return sdk.Errorf(sdk.CodeUnavailable, "stats for %s changed concurrently; retrying: %w", ev.User, err)
	}
	if err != nil {
		return sdk.Wrap(sdk.CodeUnavailable, err)
	}
	return nil
}

func (s *service) getStats(w http.ResponseWriter, r *http.Request) {
	coll, err := s.stats.Open(r.Context())
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	st := &Stats{User: user(r)}
	if err := coll.Get(r.Context(), st); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		sdk.WriteError(w, sdk.Wrap(sdk.CodeUnavailable, err))
		return
	}
	sdk.WriteJSON(w, http.StatusOK, st)
}
