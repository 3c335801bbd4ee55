package sqlitedocstore

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"gocloud.dev/docstore"
)

// Child processes: the test binary re-executes itself with
// -test.run=^TestHelperProcess$ and helperModeEnv set; see helperCommand.
const (
	helperModeEnv = "SQLITEDOCSTORE_TEST_HELPER"
	helperDBEnv   = "SQLITEDOCSTORE_TEST_DB"
	helperNEnv    = "SQLITEDOCSTORE_TEST_N"
)

// TestHelperProcess is not a test: it is the body of the child processes
// started by the crash and multi-process tests. It does nothing when run
// normally.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperModeEnv)
	if mode == "" {
		return
	}
	var err error
	switch mode {
	case "crash":
		err = crashWriter(os.Getenv(helperDBEnv))
	case "counter":
		n, _ := strconv.Atoi(os.Getenv(helperNEnv))
		err = counterWriter(os.Getenv(helperDBEnv), n)
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Printf("ERR %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// crashDoc is the document written by crashWriter.
type crashDoc struct {
	ID               string `docstore:"id"`
	N                int64
	Payload          []byte
	At               time.Time
	Tags             []string
	DocstoreRevision any
}

func crashKey(i int) string { return fmt.Sprintf("k%06d", i) }

func crashPayload(i int) []byte { return []byte(fmt.Sprintf("payload-%d-%0100d", i, i)) }

func crashTime(i int) time.Time { return time.Date(2024, 1, 1, 0, 0, 0, i, time.UTC) }

// crashWriter writes until it is killed. For each i it creates document
// crashKey(i) with N = 0, then increments N by i, and for every fourth i
// deletes the document again, printing a line "<op> <key> <i>" as soon as
// each write is acknowledged.
func crashWriter(path string) error {
	ctx := context.Background()
	coll, err := OpenCollection(ctx, path, "items", "id", nil)
	if err != nil {
		return err
	}
	defer coll.Close()
	for i := 0; i < 10_000_000; i++ {
		k := crashKey(i)
		doc := &crashDoc{ID: k, Payload: crashPayload(i), At: crashTime(i), Tags: []string{"t", strconv.Itoa(i)}}
		if err := coll.Create(ctx, doc); err != nil {
			return err
		}
		fmt.Printf("put %s %d\n", k, i)
		if err := coll.Update(ctx, doc, docstore.Mods{"N": docstore.Increment(i)}); err != nil {
			return err
		}
		fmt.Printf("inc %s %d\n", k, i)
		if i%4 == 3 {
			if err := coll.Delete(ctx, doc); err != nil {
				return err
			}
			fmt.Printf("del %s %d\n", k, i)
		}
	}
	return nil
}

// counterWriter increments the shared counter document n times and creates
// n documents of its own.
func counterWriter(path string, n int) error {
	ctx := context.Background()
	coll, err := OpenCollection(ctx, path, "counters", "id", nil)
	if err != nil {
		return err
	}
	defer coll.Close()
	fmt.Println("ready")
	for i := range n {
		if err := coll.Update(ctx, map[string]any{"id": "shared"}, docstore.Mods{"n": docstore.Increment(1)}); err != nil {
			return err
		}
		if err := coll.Create(ctx, map[string]any{"id": fmt.Sprintf("child-%d", i)}); err != nil {
			return err
		}
	}
	return nil
}
