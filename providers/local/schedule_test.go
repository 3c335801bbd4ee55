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

// TestSchedulesFireOnTime shifts the scheduler's clock to 200ms before a
// minute boundary and checks that a rate(1 minute) schedule fires for that
// boundary, on time, and not before.
func TestSchedulesFireOnTime(t *testing.T) {
	a := sdk.New("sched", nil)
	a.Schedule("every-minute", "rate(1 minute)", func(context.Context, *sdk.ScheduleEvent) error { return nil }, nil)
	a.Schedule("daily", "@daily", func(context.Context, *sdk.ScheduleEvent) error { return nil }, nil)
	boundary := time.Date(2026, 11, 23, 10, 5, 0, 0, time.UTC)
	start := time.Now()
	offset := boundary.Add(-200 * time.Millisecond).Sub(start)
	rec := &tickRecorder{fired: make(chan struct{}, 4)}
	srv, err := NewServer(t.Context(), a.Manifest(), rec, &ServerOptions{
		DataDir: t.TempDir(), BaseURL: "http://127.0.0.1:0", Now: func() time.Time { return time.Now().Add(offset) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go srv.Run(ctx)
	select {
	case <-rec.fired:
	case <-time.After(10 * time.Second):
		t.Fatal("the schedule did not fire at the minute boundary")
	}
	waited := time.Since(start)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.ticks) != 1 || !rec.ticks[0].Time.Equal(boundary) || rec.ticks[0].ID == "" {
		t.Fatalf("ticks %+v; want one for %v with an ID", rec.ticks, boundary)
	}
	if waited < 150*time.Millisecond {
		t.Errorf("fired after %v, before the boundary 200ms away", waited)
	}
}
