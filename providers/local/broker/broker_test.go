package broker

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/faaskit/faas/sdk"
)

type recorder struct {
	mu    sync.Mutex
	calls map[string][]int // payload -> attempts seen
	fail  map[string]error // payload -> error to return while attempts <= failN[payload]
	failN map[string]int
	done  chan string
}

func (r *recorder) deliver(_ context.Context, d Delivery) error {
	r.mu.Lock()
	p := string(d.Payload)
	r.calls[p] = append(r.calls[p], d.Attempt)
	n := len(r.calls[p])
	err := r.fail[p]
	limit := r.failN[p]
	r.mu.Unlock()
	if err != nil && n <= limit {
		if n == limit || limit >= 100 {
			defer func() { r.done <- p }()
		}
		return err
	}
	r.done <- p
	return nil
}

func TestDelivery(t *testing.T) {
	transient := sdk.Errorf(sdk.CodeUnavailable, "down")
	permanent := sdk.FieldError("title", "bad")
	cases := []struct {
		name       string
		err        error
		failN      int
		wantCalls  int
		wantDead   bool
		maxAttempt int
	}{
		{"ok", nil, 0, 1, false, 5},
		{"retried then ok", transient, 2, 3, false, 5},
		{"exhausted", transient, 100, 3, true, 3},
		// One rule on every provider: any error is retried until the limit.
		{"invalid input retried until the limit", permanent, 100, 4, true, 4},
		{"invalid input retried then ok", permanent, 1, 2, false, 5},
		{"panic-like internal error retried", errors.New("boom"), 1, 2, false, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{calls: map[string][]int{}, fail: map[string]error{c.name: c.err}, failN: map[string]int{c.name: c.failN}, done: make(chan string, 10)}
			b, err := Open(t.Context(), filepath.Join(t.TempDir(), "q.sqlite"), rec.deliver, &Options{
				MaxAttempts: func(string) int { return c.maxAttempt }, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error)
			go func() { done <- b.Run(ctx) }()
			if err := b.Enqueue(ctx, []Item{{Function: "f", Kind: "message", Payload: []byte(c.name)}}); err != nil {
				t.Fatal(err)
			}
			waitSettled(t, b)
			cancel()
			<-done
			rec.mu.Lock()
			calls := rec.calls[c.name]
			rec.mu.Unlock()
			if len(calls) != c.wantCalls {
				t.Errorf("delivered %d times (%v); want %d", len(calls), calls, c.wantCalls)
			}
			for i, a := range calls {
				if a != i+1 {
					t.Errorf("attempt numbers %v; want 1, 2, ...", calls)
					break
				}
			}
			dead, err := b.DeadLetters(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if (len(dead) == 1) != c.wantDead {
				t.Errorf("dead letters %v; want dead=%v", dead, c.wantDead)
			}
			if c.wantDead && (dead[0].Function != "f" || string(dead[0].Payload) != c.name || dead[0].Error == "") {
				t.Errorf("dead letter %+v lost its data", dead[0])
			}
		})
	}
}

// waitSettled waits until nothing is pending (bounded).
func waitSettled(t *testing.T, b *Broker) {
	t.Helper()
	for range 500 {
		n, err := b.Pending(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("queue did not drain")
}

func TestDurableAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.sqlite")
	b, err := Open(t.Context(), path, func(context.Context, Delivery) error { return nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	items := []Item{{Function: "a", Kind: "message", Payload: []byte("1")}, {Function: "b", Kind: "blob", Payload: []byte("2")}}
	if err := b.Enqueue(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	b.Close() // never ran: both items must still be there

	got := make(chan Delivery, 2)
	b2, err := Open(t.Context(), path, func(_ context.Context, d Delivery) error { got <- d; return nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go b2.Run(ctx)
	seen := map[string]string{}
	for range 2 {
		select {
		case d := <-got:
			seen[d.Function] = string(d.Payload)
		case <-time.After(10 * time.Second):
			t.Fatal("items enqueued before a restart were not delivered after it")
		}
	}
	if seen["a"] != "1" || seen["b"] != "2" {
		t.Errorf("after reopen delivered %v", seen)
	}
}
