package azurefunc

import (
	"context"
	"sync"
	"time"
)

// deadlineCtx is context.WithDeadline(parent, d) whose timer is created on
// first use of Done or Err. Most handlers only read the deadline (or pass
// the context to clients that do), so the common path costs no timer and
// no allocation beyond the call it is embedded in; a handler that waits on
// Done still sees it close at the deadline.
type deadlineCtx struct {
	context.Context // the parent
	d               time.Time

	mu      sync.Mutex
	stopped bool
	timed   context.Context
	cancel  context.CancelFunc
}

func (c *deadlineCtx) init(parent context.Context, d time.Time) {
	c.Context, c.d = parent, d
}

// Deadline implements context.Context: the earlier of d and the parent's.
func (c *deadlineCtx) Deadline() (time.Time, bool) {
	if pd, ok := c.Context.Deadline(); ok && pd.Before(c.d) {
		return pd, true
	}
	return c.d, true
}

func (c *deadlineCtx) ctx() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timed == nil {
		if c.stopped {
			c.timed, c.cancel = context.WithCancel(c.Context)
			c.cancel()
		} else {
			c.timed, c.cancel = context.WithDeadline(c.Context, c.d)
		}
	}
	return c.timed
}

// Done implements context.Context.
func (c *deadlineCtx) Done() <-chan struct{} { return c.ctx().Done() }

// Err implements context.Context.
func (c *deadlineCtx) Err() error { return c.ctx().Err() }

// stop ends the invocation: the context is cancelled from now on and the
// timer, if one was created, released.
func (c *deadlineCtx) stop() {
	c.mu.Lock()
	c.stopped = true
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
