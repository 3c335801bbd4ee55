package azurefunc

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDeadlineCtx(t *testing.T) {
	parent := t.Context()
	far := time.Now().Add(time.Hour)

	t.Run("ReportsDeadlineWithoutTimer", func(t *testing.T) {
		var c deadlineCtx
		c.init(parent, far)
		if d, ok := c.Deadline(); !ok || !d.Equal(far) {
			t.Errorf("Deadline = %v %v; want %v", d, ok, far)
		}
		if c.timed != nil {
			t.Error("reading the deadline created a timer")
		}
		c.stop()
		if !errors.Is(c.Err(), context.Canceled) {
			t.Errorf("Err after stop = %v; want Canceled", c.Err())
		}
	})
	t.Run("ExpiredDeadlineClosesDone", func(t *testing.T) {
		var c deadlineCtx
		c.init(parent, time.Now().Add(-time.Second))
		<-c.Done() // must not block: the deadline has passed
		if !errors.Is(c.Err(), context.DeadlineExceeded) {
			t.Errorf("Err = %v; want DeadlineExceeded", c.Err())
		}
		c.stop()
	})
	t.Run("EarlierParentDeadlineWins", func(t *testing.T) {
		early := time.Now().Add(time.Minute)
		p, cancel := context.WithDeadline(parent, early)
		defer cancel()
		var c deadlineCtx
		c.init(p, far)
		if d, _ := c.Deadline(); !d.Equal(early) {
			t.Errorf("Deadline = %v; want the parent's %v", d, early)
		}
		c.stop()
	})
	t.Run("ParentCancelPropagates", func(t *testing.T) {
		p, cancel := context.WithCancel(parent)
		var c deadlineCtx
		c.init(p, far)
		child, stopChild := context.WithCancel(&c) // derived contexts watch Done
		defer stopChild()
		cancel()
		<-child.Done()
		if !errors.Is(c.Err(), context.Canceled) {
			t.Errorf("Err = %v; want Canceled", c.Err())
		}
		c.stop()
	})
}
