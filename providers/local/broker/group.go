package broker

import (
	"context"
	"sync"
)

// This file commits the writes of concurrent calls together. Each write
// transaction on the queue is made durable with an fsync, one at a time on
// the queue's one connection; under concurrent publishes and deliveries
// (every to-do created publishes an event) that serialized commit bounded
// the requests served per second. Calls waiting while one group commits
// are committed next, together, in one transaction: each caller still
// returns only once its values are durable, with the outcome of the
// transaction that held them.

// group commits the values of concurrent do calls together.
type group[T any] struct {
	commit func(ctx context.Context, vs []T) error

	mu      sync.Mutex
	pending []*groupReq[T] // guarded by mu
	busy    bool           // a leader is committing; guarded by mu
}

// groupReq is one caller's values, waiting to be committed.
type groupReq[T any] struct {
	ctx  context.Context
	vs   []T
	done chan error    // the outcome
	lead chan struct{} // told to commit the pending requests, itself first
}

// do commits vs, in one transaction with the values of the calls made
// while the previous group was committed.
func (g *group[T]) do(ctx context.Context, vs []T) error {
	if len(vs) == 0 {
		return nil
	}
	r := &groupReq[T]{ctx: ctx, vs: vs, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, r)
	leading := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !leading {
		select {
		case err := <-r.done:
			return err
		case <-r.lead:
		}
	}
	g.mu.Lock()
	batch := g.pending // r is its first request
	g.pending = nil
	g.mu.Unlock()
	g.run(batch)
	g.mu.Lock()
	if len(g.pending) > 0 {
		g.pending[0].lead <- struct{}{} // hand over to the oldest waiting request
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	return <-r.done
}

// run commits the values of the live requests of batch in one
// transaction and reports its outcome to each; a request whose context
// ended before the commit started gets its context's error.
func (g *group[T]) run(batch []*groupReq[T]) {
	var vs []T
	var live []*groupReq[T]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		vs = append(vs, r.vs...)
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	// One caller giving up must not fail the others' commit.
	err := g.commit(context.WithoutCancel(live[0].ctx), vs)
	for _, r := range live {
		r.done <- err
	}
}
