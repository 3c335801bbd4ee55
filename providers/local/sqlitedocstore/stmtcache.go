package sqlitedocstore

import (
	"context"
	"database/sql"
	"sync"
)

// This file keeps prepared statements: SQLite's parser and planner cost
// more than running a query for a page of documents or a write. database/sql
// prepares a *sql.Stmt once on each pooled connection it runs on, the
// committer's included (through Tx.StmtContext), then reuses it there.

// maxCachedStmts bounds the statements kept; queries of other shapes are
// prepared each time they run.
const maxCachedStmts = 256

// stmtCache holds the prepared statements of one *sql.DB by SQL text.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// stmt returns the prepared statement for query, or nil if the cache is
// full.
func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	s, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return s, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s, nil
	}
	if len(c.m) >= maxCachedStmts {
		return nil, nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = s
	return s, nil
}

// QueryContext is sql.DB.QueryContext through a cached statement.
func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil || s == nil {
		return c.db.QueryContext(ctx, query, args...) // reports the same error
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext is sql.DB.QueryRowContext through a cached statement.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, query)
	if err != nil || s == nil {
		return c.db.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// txQueryer runs queries in the read transaction tx through the cached
// statements.
type txQueryer struct {
	c  *stmtCache
	tx *sql.Tx
}

// QueryContext is sql.Tx.QueryContext through a cached statement.
func (q txQueryer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := q.c.stmt(ctx, query)
	if err != nil || s == nil {
		return q.tx.QueryContext(ctx, query, args...)
	}
	return q.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
}

// close closes the statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		_ = s.Close()
	}
	c.m = nil
}
