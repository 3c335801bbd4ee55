// Package flaky is the app TestEmulate serves through each provider's local
// host: a message handler that fails on its first delivery, a blob-event
// handler and a schedule, each recording what it saw in a collection that
// the HTTP function reads back.
package flaky

import (
	"context"
	"io"
	"net/http"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/gcerrors"
)

// Record is what the event handlers store, keyed by ID.
type Record struct {
	ID       string `docstore:"id" json:"id"`
	Attempts int    `json:"attempts"`
	Done     bool   `json:"done"`
	Size     int64  `json:"size"`
}

// App returns the app.
func App() *sdk.App {
	a := sdk.New("flaky", nil)
	state := a.Collection("state", &sdk.CollectionOptions{KeyField: "id"})
	files := a.Bucket("files", nil)
	a.Topic("jobs", nil)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /state/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec, err := get(r.Context(), state, r.PathValue("id"))
		if err != nil {
			sdk.WriteError(w, err)
			return
		}
		sdk.WriteJSON(w, http.StatusOK, rec)
	})
	mux.HandleFunc("PUT /files/{name}", func(w http.ResponseWriter, r *http.Request) {
		b, err := files.Open(r.Context())
		if err != nil {
			sdk.WriteError(w, err)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = b.WriteAll(r.Context(), r.PathValue("name"), body, nil)
		}
		if err != nil {
			sdk.WriteError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	a.HTTP("web", mux, nil)

	// work fails the first delivery of each job and succeeds on the next.
	a.Message("work", "jobs", func(ctx context.Context, m *sdk.Message) error {
		id := "job:" + string(m.Data)
		rec, err := get(ctx, state, id)
		if sdk.CodeOf(err) == sdk.CodeNotFound {
			if err := put(ctx, state, &Record{ID: id, Attempts: 1}); err != nil {
				return err
			}
			return sdk.Errorf(sdk.CodeUnavailable, "first delivery of %s fails on purpose", id)
		}
		if err != nil {
			return err
		}
		rec.Attempts++
		rec.Done = true
		return put(ctx, state, rec)
	}, nil)

	a.BlobEvent("meta", "files", func(ctx context.Context, e *sdk.BlobEvent) error {
		return put(ctx, state, &Record{ID: "blob:" + e.Key, Attempts: 1, Done: true, Size: e.Size})
	}, nil)

	a.Schedule("tick", "rate(1 hour)", func(ctx context.Context, e *sdk.ScheduleEvent) error {
		rec, err := get(ctx, state, "ticks")
		if sdk.CodeOf(err) == sdk.CodeNotFound {
			rec, err = &Record{ID: "ticks"}, nil
		}
		if err != nil {
			return err
		}
		rec.Attempts++
		return put(ctx, state, rec)
	}, nil)
	return a
}

func get(ctx context.Context, c *sdk.Collection, id string) (*Record, error) {
	coll, err := c.Open(ctx)
	if err != nil {
		return nil, err
	}
	rec := &Record{ID: id}
	if err := coll.Get(ctx, rec); err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, sdk.Errorf(sdk.CodeNotFound, "%s not found", id)
		}
		return nil, err
	}
	return rec, nil
}

func put(ctx context.Context, c *sdk.Collection, rec *Record) error {
	coll, err := c.Open(ctx)
	if err != nil {
		return err
	}
	return coll.Put(ctx, rec)
}
