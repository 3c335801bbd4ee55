package sqlitedocstore

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"gocloud.dev/docstore"
)

// benchTodo is a to-do as the example app stores it: listed by owner,
// newest first, through an order key that is the creation time followed by
// the id, so that a cursor is one range condition (created_at < x with the
// id as tie-break).
type benchTodo struct {
	ID        string    `docstore:"id"`
	Owner     string    `docstore:"owner"`
	Title     string    `docstore:"title"`
	CreatedAt time.Time `docstore:"created_at"`
	Order     string    `docstore:"list_order"`
	Done      bool      `docstore:"done"`
}

var benchIndexes = []Index{{Partition: "owner", Sort: "list_order"}}

const benchPage = 20

func newBenchTodo(owner string, i int) *benchTodo {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	id := fmt.Sprintf("%s-%07d", owner, i)
	return &benchTodo{ID: id, Owner: owner, Title: "to-do " + strconv.Itoa(i), CreatedAt: at,
		Order: at.Format("20060102T150405.000000000") + "/" + id}
}

// fill stores n to-dos of each owner in one transaction, through the public
// API (an atomic action list).
func fill(b *testing.B, coll *docstore.Collection, owners []string, n int) {
	b.Helper()
	al := coll.Actions().AtomicWrites()
	for _, o := range owners {
		for i := range n {
			al.Put(newBenchTodo(o, i))
		}
	}
	if err := al.Do(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// listPage reads one page of owner's to-dos older than the cursor ("" for
// the first page), asking for one more to know whether a next page exists,
// and returns the cursor of the next page.
func listPage(ctx context.Context, coll *docstore.Collection, owner, cursor string) (string, error) {
	q := coll.Query().Where("owner", "=", owner)
	if cursor == "" {
		q = q.Where("list_order", ">", "")
	} else {
		q = q.Where("list_order", "<", cursor)
	}
	iter := q.OrderBy("list_order", docstore.Descending).Limit(benchPage + 1).Get(ctx)
	defer iter.Stop()
	n, next := 0, ""
	for {
		var td benchTodo
		err := iter.Next(ctx, &td)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if n++; n <= benchPage {
			next = td.Order
		}
	}
	if n != benchPage+1 {
		return "", fmt.Errorf("page of %d to-dos, want %d", n, benchPage+1)
	}
	return next, nil
}

// mustListPage is listPage failing b on error.
func mustListPage(ctx context.Context, b *testing.B, coll *docstore.Collection, owner, cursor string) string {
	b.Helper()
	next, err := listPage(ctx, coll, owner, cursor)
	if err != nil {
		b.Fatal(err)
	}
	return next
}

func openBench(b *testing.B) (*docstore.Collection, *collection) {
	b.Helper()
	dc, err := newCollection(context.Background(), filepath.Join(b.TempDir(), "bench.sqlite"), "todos", "id", nil, &Options{Indexes: benchIndexes})
	if err != nil {
		b.Fatal(err)
	}
	coll := docstore.NewCollection(dc)
	b.Cleanup(func() { coll.Close() })
	return coll, dc
}

// interleaved runs a and b alternately, timing each, and reports their mean
// times and the ratio b/a: measured under the same load, the ratio holds on
// a busy machine where consecutive runs do not compare. Where the thread's
// CPU time can be read, it reports the CPU time of each too, which other
// processes competing for the CPUs do not inflate.
func interleaved(b *testing.B, nameA, nameB string, fa, fb func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ta, tb, ca, cb time.Duration
	_, cpuOK := threadCPU()
	for b.Loop() {
		c0, _ := threadCPU()
		start := time.Now()
		fa()
		mid := time.Now()
		c1, _ := threadCPU()
		fb()
		end := time.Now()
		c2, _ := threadCPU()
		ta, tb = ta+mid.Sub(start), tb+end.Sub(mid)
		ca, cb = ca+c1-c0, cb+c2-c1
	}
	b.ReportMetric(float64(ta.Nanoseconds())/float64(b.N), "ns/"+nameA)
	b.ReportMetric(float64(tb.Nanoseconds())/float64(b.N), "ns/"+nameB)
	b.ReportMetric(float64(tb)/float64(ta), nameB+"/"+nameA)
	if cpuOK {
		b.ReportMetric(float64(ca.Nanoseconds())/float64(b.N), "cpu-ns/"+nameA)
		b.ReportMetric(float64(cb.Nanoseconds())/float64(b.N), "cpu-ns/"+nameB)
		b.ReportMetric(float64(cb)/float64(ca), "cpu-"+nameB+"/"+nameA)
	}
}

// BenchmarkListPartition lists the first page of a user with a few more
// to-dos than a page, with no other documents in the collection and with
// 100,000 to-dos of 1,000 other users: the times should be about equal.
func BenchmarkListPartition(b *testing.B) {
	ctx := context.Background()
	colls := map[int]*docstore.Collection{}
	for _, others := range []int{0, 100_000} {
		coll, _ := openBench(b)
		fill(b, coll, []string{"alice"}, benchPage+5)
		start := time.Now()
		var owners []string
		for i := range others / 100 {
			owners = append(owners, fmt.Sprintf("user%04d", i))
		}
		fill(b, coll, owners, 100)
		if others > 0 {
			b.Logf("stored %d documents in %v", others, time.Since(start).Round(time.Millisecond))
		}
		colls[others] = coll
	}
	for _, others := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("others=%d", others), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mustListPage(ctx, b, colls[others], "alice", "")
			}
		})
	}
	b.Run("interleaved", func(b *testing.B) {
		interleaved(b, "others=0", "others=100k",
			func() { mustListPage(ctx, b, colls[0], "alice", "") },
			func() { mustListPage(ctx, b, colls[100_000], "alice", "") })
	})
}

// BenchmarkDeepPage fetches page 1 and page 50 of a user with 10,000
// to-dos, each page through a range cursor: the times should be about equal.
func BenchmarkDeepPage(b *testing.B) {
	ctx := context.Background()
	coll, _ := openBench(b)
	fill(b, coll, []string{"alice"}, 10_000)
	cursors := []string{""}
	for range 49 {
		cursors = append(cursors, mustListPage(ctx, b, coll, "alice", cursors[len(cursors)-1]))
	}
	for _, page := range []int{1, 50} {
		b.Run(fmt.Sprintf("page=%d", page), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mustListPage(ctx, b, coll, "alice", cursors[page-1])
			}
		})
	}
	b.Run("interleaved", func(b *testing.B) {
		interleaved(b, "page1", "page50",
			func() { mustListPage(ctx, b, coll, "alice", cursors[0]) },
			func() { mustListPage(ctx, b, coll, "alice", cursors[49]) })
	})
}

// BenchmarkConcurrentPut measures durable Puts from 64 goroutines, committed
// one transaction (and one fsync) per write, as before group commit, and
// with group commit.
func BenchmarkConcurrentPut(b *testing.B) {
	ctx := context.Background()
	for _, mode := range []struct {
		name  string
		limit int32
	}{{"one-commit-per-write", 1}, {"group-commit", maxBatch}} {
		b.Run(mode.name, func(b *testing.B) {
			coll, dc := openBench(b)
			dc.db.batchLimit.Store(mode.limit)
			var seq atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(seq.Add(1))
					if err := coll.Put(ctx, newBenchTodo(fmt.Sprintf("user%02d", i%64), i)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
		})
	}
}

// BenchmarkConcurrentList lists first pages of 64 users from 64 goroutines,
// in a collection of 64,000 to-dos.
func BenchmarkConcurrentList(b *testing.B) {
	ctx := context.Background()
	coll, _ := openBench(b)
	var owners []string
	for i := range 64 {
		owners = append(owners, fmt.Sprintf("user%02d", i))
	}
	fill(b, coll, owners, 1000)
	var seq atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		owner := owners[int(seq.Add(1))%len(owners)]
		for pb.Next() {
			if _, err := listPage(ctx, coll, owner, ""); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lists/s")
}
