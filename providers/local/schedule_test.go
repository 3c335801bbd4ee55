package local

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/faaskit/faas/sdk"
)

// tickRecorder is a Dispatcher that records schedule ticks.
type tickRecorder struct {
	mu    sync.Mutex
	ticks []*sdk.ScheduleEvent
	fired chan struct{}
}

func (r *tickRecorder) ServeHTTP(http.ResponseWriter, *http.Request)               {}
func (r *tickRecorder) DeliverMessage(context.Context, string, *sdk.Message) error { return nil }
func (r *tickRecorder) DeliverBlob(context.Context, string, *sdk.BlobEvent) error  { return nil }
func (r *tickRecorder) Close() error                                               { return nil }
func (r *tickRecorder) FireSchedule(_ context.Context, fn string, e *sdk.ScheduleEvent) error {
	r.mu.Lock()
	r.ticks = append(r.ticks, e)
	r.mu.Unlock()
	r.fired <- struct{}{}
	return nil
}

// manualClock is a Clock that moves only when the test says so; it
// reports each wait the scheduler starts on waits.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []manualWaiter
	waits   chan time.Time
}

type manualWaiter struct {
	at time.Time
	ch chan time.Time
}

func newManualClock(now time.Time) *manualClock {
	return &manualClock{now: now, waits: make(chan time.Time, 16)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) At(t time.Time) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(c.now) {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, manualWaiter{t, ch})
	}
	c.waits <- t
	return ch, func() {}
}

// set moves the clock to t, releasing the waits due by then.
func (c *manualClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- t
	}
	c.waiters = kept
}

// TestSchedulesFireOnTime runs the scheduler on a clock the test moves: at
// 200ms before a minute boundary a rate(1 minute) schedule waits for that
// boundary exactly, does not fire 1ms before it, and fires once, for that
// boundary, when the clock reaches it. No wall-clock timing is involved.
func TestSchedulesFireOnTime(t *testing.T) {
	a := sdk.New("sched", nil)
	a.Schedule("every-minute", "rate(1 minute)", func(context.Context, *sdk.ScheduleEvent) error { return nil }, nil)
	a.Schedule("daily", "@daily", func(context.Context, *sdk.ScheduleEvent) error { return nil }, nil)
	boundary := time.Date(2026, 11, 23, 10, 5, 0, 0, time.UTC)
	clock := newManualClock(boundary.Add(-200 * time.Millisecond))
	rec := &tickRecorder{fired: make(chan struct{}, 4)}
	srv, err := NewServer(t.Context(), a.Manifest(), rec, &ServerOptions{
		DataDir: t.TempDir(), BaseURL: "http://127.0.0.1:0", Clock: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go srv.Run(ctx)

	if at := <-clock.waits; !at.Equal(boundary) {
		t.Fatalf("the scheduler waits until %v; want the next minute boundary %v", at, boundary)
	}
	clock.set(boundary.Add(-time.Millisecond))
	select {
	case <-rec.fired:
		t.Fatal("the schedule fired before the boundary")
	default:
	}
	clock.set(boundary)
	<-rec.fired
	if at := <-clock.waits; !at.Equal(boundary.Add(time.Minute)) {
		t.Errorf("after the tick the scheduler waits until %v; want %v", at, boundary.Add(time.Minute))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.ticks) != 1 || !rec.ticks[0].Time.Equal(boundary) || rec.ticks[0].ID == "" {
		t.Fatalf("ticks %+v; want one for %v with an ID", rec.ticks, boundary)
	}
}
