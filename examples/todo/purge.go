package todo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/gcerrors"
)

// PurgeAfter is how long deleted to-dos are kept before the purge removes them.
const PurgeAfter = 30 * 24 * time.Hour

// purge removes to-dos deleted more than PurgeAfter before the tick, with
// any attachments a failed delete left behind.
func (s *service) purge(ctx context.Context, e *sdk.ScheduleEvent) error {
	coll, err := s.todos.Open(ctx)
	if err != nil {
		return err
	}
	cutoff := e.Time.Add(-PurgeAfter)
	iter := coll.Query().Where("deleted", "=", true).Get(ctx)
	defer iter.Stop()
	var victims []*Todo
	for {
		t := &Todo{}
		err := iter.Next(ctx, t)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: purge: %w", err))
		}
		if !t.DeletedAt.IsZero() && t.DeletedAt.Before(cutoff) {
			victims = append(victims, t)
		}
	}
	for _, t := range victims {
		if err := s.deleteAllAttachments(ctx, t); err != nil {
			return sdk.Wrap(sdk.CodeUnavailable, err)
		}
		if err := coll.Delete(ctx, t); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: purge %s: %w", t.ID, err))
		}
	}
	sdk.Logger(ctx).Info("purged deleted to-dos", "count", len(victims), "cutoff", cutoff)
	return nil
}
