package deploy

import (
	"context"
	"fmt"
	"time"
)

// RunChange makes one planned change by calling apply, reporting its
// start and its end (done or failed, with the time it took) to t's
// Progress. A failure is returned wrapped with the change it was making,
// e.g. "create lambda-function todo-dev-api: …".
func RunChange(ctx context.Context, t *Target, c Change, apply func(context.Context) error) error {
	start := time.Now()
	ev := Event{Action: c.Action, Kind: c.Kind, Name: c.Name, Status: StatusStarted}
	t.Emit(ev)
	err := apply(ctx)
	ev.Took = time.Since(start)
	if err != nil {
		ev.Status, ev.Err = StatusFailed, err
		t.Emit(ev)
		return fmt.Errorf("%s %s %s: %w", c.Action, c.Kind, c.Name, err)
	}
	ev.Status = StatusDone
	t.Emit(ev)
	return nil
}
