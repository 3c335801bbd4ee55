package todo

import (
	"context"
	"fmt"
	"time"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/docstore"
)

// PurgeAfter is how long deleted to-dos are kept before the purge removes them.
const PurgeAfter = 30 * 24 * time.Hour

// purgeBatch is how many to-dos the purge reads at a time.
const purgeBatch = 100

// purge removes to-dos deleted more than PurgeAfter before the tick, with
// any attachments a failed delete left behind. It reads them, oldest
// first, through the sparse purge index, which lists deleted to-dos only,
// so live data is never read.
func (s *service) purge(ctx context.Context, e *sdk.ScheduleEvent) error {
	coll, err := s.todos.Open(ctx)
	if err != nil {
		return err
	}
	cutoff := e.Time.Add(-PurgeAfter)
	q := coll.Query().Where("purge_bucket", "=", purgeBucket).Where("purge_at", "<", timeKey(cutoff)).
		OrderBy("purge_at", docstore.Ascending).Limit(purgeBatch)
	total := 0
	for {
		victims, err := queryTodos(ctx, q, "purge")
		deleted := 0
		if err != nil {
			return err
		}
		for _, t := range victims {
			if err := s.deleteAllAttachments(ctx, t); err != nil {
				return sdk.Wrap(sdk.CodeUnavailable, err)
			}
			err := coll.Delete(ctx, &Todo{ID: t.ID})
			if sdk.CodeOf(err) == sdk.CodeNotFound {
				continue // already gone; an index may lag its table
			}
			if err != nil {
				return fmt.Errorf("todo: purge %s: %w", t.ID, err)
			}
			deleted++
		}
		total += deleted
		if len(victims) < purgeBatch || deleted == 0 {
			break
		}
	}
	sdk.Logger(ctx).Info("purged deleted to-dos", "count", total, "cutoff", cutoff)
	return nil
}
