package broker

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// fakeQueue records each commit's values; the first commit waits for
// release, so that the test can queue others behind it.
type fakeQueue struct {
	mu      sync.Mutex
	calls   [][]string
	release chan struct{}
	fail    error
}

func (q *fakeQueue) commit(ctx context.Context, items []Item) error {
	q.mu.Lock()
	first := len(q.calls) == 0
	var names []string
	for _, it := range items {
		names = append(names, it.Function)
	}
	q.calls = append(q.calls, names)
	q.mu.Unlock()
	if first {
		<-q.release
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return q.fail
}

func item(name string) []Item { return []Item{{Function: name}} }

// waitPending spins until n requests wait behind the committing one.
func waitPending(e *group[Item], n int) {
	for {
		e.mu.Lock()
		k := len(e.pending)
		e.mu.Unlock()
		if k == n {
			return
		}
		runtime.Gosched()
	}
}

func TestGroupCommitsWaitingCallsTogether(t *testing.T) {
	for _, fail := range []error{nil, errors.New("disk full")} {
		t.Run(fmt.Sprint("fail=", fail), func(t *testing.T) {
			q := &fakeQueue{release: make(chan struct{}), fail: fail}
			e := &group[Item]{commit: q.commit}
			errs := make(chan error, 11)
			firstDone := make(chan error, 1)
			go func() { firstDone <- e.do(context.Background(), item("first")) }()
			waitPending(e, 0)
			for {
				q.mu.Lock()
				started := len(q.calls) == 1
				q.mu.Unlock()
				if started {
					break
				}
				runtime.Gosched()
			}
			cancelled, cancel := context.WithCancel(context.Background())
			cancel()
			var wg sync.WaitGroup
			for i := range 10 {
				ctx := context.Background()
				if i == 3 {
					ctx = cancelled
				}
				wg.Go(func() {
					err := e.do(ctx, item(fmt.Sprint("f", i)))
					if i == 3 {
						if !errors.Is(err, context.Canceled) {
							t.Errorf("cancelled caller: %v, want context.Canceled", err)
						}
						return
					}
					errs <- err
				})
			}
			waitPending(e, 10)
			close(q.release)
			wg.Wait()
			errs <- <-firstDone
			close(errs)
			for err := range errs {
				if !errors.Is(err, fail) {
					t.Errorf("caller got %v, want %v", err, fail)
				}
			}
			if len(q.calls) != 2 {
				t.Fatalf("%d commits (%v), want 2: the first, then the 9 live waiting calls together", len(q.calls), q.calls)
			}
			got := slices.Sorted(slices.Values(q.calls[1]))
			want := []string{"f0", "f1", "f2", "f4", "f5", "f6", "f7", "f8", "f9"}
			if !slices.Equal(got, want) {
				t.Errorf("second commit %v, want %v", got, want)
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.busy || len(e.pending) != 0 {
				t.Errorf("after the calls: busy %v, %d pending", e.busy, len(e.pending))
			}
		})
	}
}

func TestGroupNothingToCommit(t *testing.T) {
	q := &fakeQueue{release: make(chan struct{})}
	e := &group[Item]{commit: q.commit}
	if err := e.do(context.Background(), nil); err != nil || len(q.calls) != 0 {
		t.Errorf("do(nil) = %v after %d commits, want nil after none", err, len(q.calls))
	}
}
