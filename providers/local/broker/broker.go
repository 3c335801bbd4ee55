// Package broker is faas dev's durable delivery queue: every published
// message and blob event becomes one row per subscribed function in a SQLite
// file, delivered at least once, retried with exponential backoff and moved
// to a dead-letter table after the function's attempt limit. Every error is
// retried, whatever its code, as SQS, Pub/Sub and Service Bus do: none of
// them can drop or dead-letter a single message from the handler side, so
// faas dev does not either (sdk.Message). Rows survive restarts and kill -9:
// an Enqueue that returned nil is on disk.
package broker

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Item is one delivery to enqueue.
type Item struct {
	Function string // the subscribed function
	Kind     string // "message" or "blob"
	Payload  []byte // JSON of the *sdk.Message or *sdk.BlobEvent
}

// Delivery is one attempt at an Item.
type Delivery struct {
	ID int64
	Item
	Attempt int // 1-based
}

// DeliverFunc delivers one attempt. A nil error acknowledges the item.
type DeliverFunc func(ctx context.Context, d Delivery) error

// DeadLetter is an item that was given up on.
type DeadLetter struct {
	Delivery
	Error  string    `json:"error"`
	DiedAt time.Time `json:"died_at"`
}

// Options configures a Broker. The zero value is usable.
type Options struct {
	// MaxAttempts returns the attempt limit for a function. Default 5.
	MaxAttempts func(function string) int
	// BaseBackoff is the delay before the second attempt; it doubles each
	// time (with jitter) up to MaxBackoff. Defaults 200ms and 30s.
	BaseBackoff, MaxBackoff time.Duration
	// Lease is how long a delivery may run before the row is due again
	// (redelivered after a crash). Default 2m.
	Lease time.Duration
	// Concurrency bounds deliveries in flight. Default 8.
	Concurrency int
	Logger      *slog.Logger
}

// Broker is a durable queue. Create it with Open and run it with Run.
type Broker struct {
	db      *sql.DB
	deliver DeliverFunc
	opts    Options
	wake    chan struct{}

	enqueues group[Item]  // Enqueue's items, committed together
	acks     group[int64] // the IDs of delivered items, deleted together
}

const schema = `
CREATE TABLE IF NOT EXISTS deliveries (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	function TEXT NOT NULL, kind TEXT NOT NULL, payload BLOB NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(next_at);
CREATE TABLE IF NOT EXISTS dead_letters (
	id INTEGER PRIMARY KEY, function TEXT NOT NULL, kind TEXT NOT NULL, payload BLOB NOT NULL,
	attempts INTEGER NOT NULL, error TEXT NOT NULL, died_at INTEGER NOT NULL);`

// Open opens (creating if needed) the queue in the SQLite file at path.
func Open(ctx context.Context, path string, deliver DeliverFunc, opts *Options) (*Broker, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("broker: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; SQLite serialises writes anyway
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("broker: create schema in %s: %w", path, err)
	}
	b := &Broker{db: db, deliver: deliver, wake: make(chan struct{}, 1)}
	b.enqueues.commit = b.enqueue
	b.acks.commit = b.deleteDelivered
	if opts != nil {
		b.opts = *opts
	}
	if b.opts.MaxAttempts == nil {
		b.opts.MaxAttempts = func(string) int { return 5 }
	}
	if b.opts.BaseBackoff <= 0 {
		b.opts.BaseBackoff = 200 * time.Millisecond
	}
	if b.opts.MaxBackoff <= 0 {
		b.opts.MaxBackoff = 30 * time.Second
	}
	if b.opts.Lease <= 0 {
		b.opts.Lease = 2 * time.Minute
	}
	if b.opts.Concurrency <= 0 {
		b.opts.Concurrency = 8
	}
	if b.opts.Logger == nil {
		b.opts.Logger = slog.Default()
	}
	return b, nil
}

// Close closes the database. Call it after Run has returned.
func (b *Broker) Close() error { return b.db.Close() }

// Enqueue stores items in one transaction, with those of concurrent calls;
// when it returns nil they are durable.
func (b *Broker) Enqueue(ctx context.Context, items []Item) error {
	if err := b.enqueues.do(ctx, items); err != nil {
		return err
	}
	b.poke()
	return nil
}

// enqueue stores items in one transaction.
func (b *Broker) enqueue(ctx context.Context, items []Item) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("broker: enqueue: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UnixMilli()
	for _, it := range items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries(function, kind, payload, next_at) VALUES (?, ?, ?, ?)`, it.Function, it.Kind, it.Payload, now); err != nil {
			return fmt.Errorf("broker: enqueue: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("broker: enqueue: %w", err)
	}
	return nil
}

// deleteDelivered deletes the delivered items ids in one transaction.
func (b *Broker) deleteDelivered(ctx context.Context, ids []int64) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM deliveries WHERE id = ?`, id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (b *Broker) poke() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Run delivers due items until ctx is done, then waits for deliveries in
// flight and returns ctx's error.
func (b *Broker) Run(ctx context.Context) error {
	sem := make(chan struct{}, b.opts.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		due, next, err := b.due(ctx)
		if err != nil && ctx.Err() == nil {
			b.opts.Logger.Error("broker: reading due deliveries", slog.Any("error", err))
			next = time.Second
		}
		for _, d := range due {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				b.attempt(ctx, d)
			}()
		}
		if len(due) > 0 {
			continue
		}
		timer := time.NewTimer(next)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-b.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// due claims up to 32 due rows by pushing their next_at out by the lease,
// and returns how long to sleep if there are none.
func (b *Broker) due(ctx context.Context) ([]Delivery, time.Duration, error) {
	now := time.Now().UnixMilli()
	rows, err := b.db.QueryContext(ctx, `SELECT id, function, kind, payload, attempts FROM deliveries WHERE next_at <= ? ORDER BY next_at, id LIMIT 32`, now)
	if err != nil {
		return nil, 0, err
	}
	var out []Delivery
	for rows.Next() {
		var d Delivery
		if err := rows.Scan(&d.ID, &d.Function, &d.Kind, &d.Payload, &d.Attempt); err != nil {
			rows.Close()
			return nil, 0, err
		}
		d.Attempt++
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(out) > 0 {
		// One transaction (one fsync) claims them all.
		if err := b.claim(ctx, out, now+b.opts.Lease.Milliseconds()); err != nil {
			return nil, 0, err
		}
		return out, 0, nil
	}
	var nextAt sql.NullInt64
	if err := b.db.QueryRowContext(ctx, `SELECT MIN(next_at) FROM deliveries`).Scan(&nextAt); err != nil {
		return nil, 0, err
	}
	if !nextAt.Valid {
		return nil, time.Minute, nil
	}
	return nil, max(time.Duration(nextAt.Int64-now)*time.Millisecond, 5*time.Millisecond), nil
}

// claim leases ds until lease and records their attempts.
func (b *Broker) claim(ctx context.Context, ds []Delivery, lease int64) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, d := range ds {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_at = ?, attempts = ? WHERE id = ?`, lease, d.Attempt, d.ID); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (b *Broker) attempt(ctx context.Context, d Delivery) {
	err := b.deliver(ctx, d)
	if ctx.Err() != nil {
		return // shutting down: the lease expires and the row is retried next run
	}
	log := b.opts.Logger.With(slog.String("function", d.Function), slog.Int64("delivery", d.ID), slog.Int("attempt", d.Attempt))
	var dbErr error
	switch {
	case err == nil:
		dbErr = b.acks.do(ctx, []int64{d.ID})
	case d.Attempt >= b.opts.MaxAttempts(d.Function):
		log.Warn("delivery failed for good; dead-lettered", slog.Any("error", err))
		dbErr = b.bury(ctx, d, err)
	default:
		delay := b.backoff(d.Attempt)
		log.Info("delivery failed; will retry", slog.Any("error", err), slog.Duration("in", delay))
		_, dbErr = b.db.ExecContext(ctx, `UPDATE deliveries SET next_at = ?, last_error = ? WHERE id = ?`, time.Now().Add(delay).UnixMilli(), err.Error(), d.ID)
		b.poke()
	}
	if dbErr != nil {
		log.Error("broker: recording delivery outcome", slog.Any("error", dbErr))
	}
}

func (b *Broker) bury(ctx context.Context, d Delivery, cause error) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO dead_letters(id, function, kind, payload, attempts, error, died_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.Function, d.Kind, d.Payload, d.Attempt, cause.Error(), time.Now().UnixMilli()); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM deliveries WHERE id = ?`, d.ID); err != nil {
		return err
	}
	return tx.Commit()
}

// backoff returns the delay after the given failed attempt: BaseBackoff *
// 2^(attempt-1), capped, with ±20% jitter.
func (b *Broker) backoff(attempt int) time.Duration {
	d := b.opts.BaseBackoff << min(attempt-1, 20)
	if d > b.opts.MaxBackoff || d <= 0 {
		d = b.opts.MaxBackoff
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return d + jitter
}

// DeadLetters lists the dead-lettered items, newest first.
func (b *Broker) DeadLetters(ctx context.Context) ([]DeadLetter, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT id, function, kind, payload, attempts, error, died_at FROM dead_letters ORDER BY died_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("broker: dead letters: %w", err)
	}
	defer rows.Close()
	var out []DeadLetter
	for rows.Next() {
		var dl DeadLetter
		var died int64
		if err := rows.Scan(&dl.ID, &dl.Function, &dl.Kind, &dl.Payload, &dl.Attempt, &dl.Error, &died); err != nil {
			return nil, fmt.Errorf("broker: dead letters: %w", err)
		}
		dl.DiedAt = time.UnixMilli(died).UTC()
		out = append(out, dl)
	}
	return out, rows.Err()
}

// Pending reports how many items await delivery.
func (b *Broker) Pending(ctx context.Context) (int, error) {
	var n int
	if err := b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries`).Scan(&n); err != nil {
		return 0, fmt.Errorf("broker: pending: %w", err)
	}
	return n, nil
}
