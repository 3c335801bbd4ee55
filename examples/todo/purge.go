package todo

import (
	"context"
	"fmt"
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
	victims, err := queryTodos(ctx, coll.Query().Where("deleted", "=", true), "purge", func(t *Todo) bool {
		return !t.DeletedAt.IsZero() && t.DeletedAt.Before(cutoff)
	})
	if err != nil {
		return err
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
