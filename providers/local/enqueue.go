package local

import (
	"context"
	"sync"

	"github.com/faaskit/faas/providers/local/broker"
)

// This file commits the deliveries of concurrent publishes together. Each
// broker.Enqueue is a transaction of its own, made durable with an fsync,
// one at a time; under concurrent writes (every to-do created publishes an
// event) that serialized commit bounded the requests served per second.
// Publishes waiting while one commits are committed next, together, in one
// transaction: each caller still returns only once its items are durable,
// and with the outcome of the transaction that held them.

// enqueuer groups concurrent Enqueue calls.
type enqueuer struct {
	enqueue func(ctx context.Context, items []broker.Item) error

	mu      sync.Mutex
	pending []*enqueueReq // guarded by mu
	busy    bool          // a leader is committing; guarded by mu
}

// enqueueReq is one caller's items, waiting to be committed.
type enqueueReq struct {
	ctx   context.Context
	items []broker.Item
	done  chan error    // the outcome
	lead  chan struct{} // told to commit the pending requests, itself first
}

// Enqueue stores items durably, in one transaction with those of the
// calls made while the previous group was committed.
func (e *enqueuer) Enqueue(ctx context.Context, items []broker.Item) error {
	if len(items) == 0 {
		return nil
	}
	r := &enqueueReq{ctx: ctx, items: items, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	e.mu.Lock()
	e.pending = append(e.pending, r)
	leading := !e.busy
	e.busy = true
	e.mu.Unlock()
	if !leading {
		select {
		case err := <-r.done:
			return err
		case <-r.lead:
		}
	}
	e.mu.Lock()
	group := e.pending // r is its first request
	e.pending = nil
	e.mu.Unlock()
	e.commit(group)
	e.mu.Lock()
	if len(e.pending) > 0 {
		e.pending[0].lead <- struct{}{} // hand over to the oldest waiting request
	} else {
		e.busy = false
	}
	e.mu.Unlock()
	return <-r.done
}

// commit stores the items of the live requests of group in one
// transaction and reports its outcome to each; a request whose context
// ended before the commit started gets its context's error.
func (e *enqueuer) commit(group []*enqueueReq) {
	var items []broker.Item
	var live []*enqueueReq
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		items = append(items, r.items...)
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	// One caller giving up must not fail the others' commit.
	err := e.enqueue(context.WithoutCancel(live[0].ctx), items)
	for _, r := range live {
		r.done <- err
	}
}
