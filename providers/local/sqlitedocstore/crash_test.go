package sqlitedocstore

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"gocloud.dev/docstore"
	"gocloud.dev/gcerrors"
)

// helperCommand returns a command re-running the test binary as a helper
// process in the given mode.
func helperCommand(t *testing.T, mode, db string, extraEnv ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperModeEnv+"="+mode, helperDBEnv+"="+db)
	cmd.Env = append(cmd.Env, extraEnv...)
	return cmd
}

// TestCrashDurability kills a writer process with SIGKILL in the middle of a
// stream of writes and checks that every write it acknowledged survived.
func TestCrashDurability(t *testing.T) {
	const killAfter = 200 // acknowledged writes before the kill
	path := filepath.Join(t.TempDir(), "crash.sqlite")
	cmd := helperCommand(t, "crash", path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()

	type ack struct {
		op string
		i  int
	}
	last := map[string]ack{} // key -> last acknowledged write
	var lastKey string
	acks := 0
	timeout := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer timeout.Stop()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		var a ack
		var key string
		if _, err := fmt.Sscanf(line, "%s %s %d", &a.op, &key, &a.i); err != nil || !slices.Contains([]string{"put", "inc", "del"}, a.op) {
			if strings.HasPrefix(line, "ERR") {
				t.Fatalf("helper failed: %s", line)
			}
			continue // test framework chatter
		}
		last[key], lastKey = a, key
		acks++
		if acks == killAfter {
			// Process.Kill sends SIGKILL on Unix: no deferred code, no
			// Close, no checkpoint runs in the child.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
		// Keep reading: acknowledgements written before the kill are still
		// in the pipe, and they count too.
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("helper ended after %d acknowledgements without being killed: %v\nstderr:\n%s", acks, err, stderr.String())
	}
	if runtime.GOOS != "windows" && cmd.ProcessState.Exited() {
		t.Fatalf("helper exited normally (%v), want killed by a signal", cmd.ProcessState)
	}
	t.Logf("%d writes acknowledged before the helper died (%v)", acks, cmd.ProcessState)

	// Reopen the database, which recovers its write-ahead log.
	ctx := context.Background()
	coll, err := OpenCollection(ctx, path, "items", "id", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()

	var db *sql.DB
	if !coll.As(&db) {
		t.Fatal("As(**sql.DB) failed")
	}
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q, %v", integrity, err)
	}

	for key, a := range last {
		got := &crashDoc{ID: key}
		err := coll.Get(ctx, got)
		present := err == nil
		if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			t.Fatalf("Get %s: %v", key, err)
		}
		// Which states are acceptable: the acknowledged one, and for the
		// last key also the next one, whose write may have committed
		// without being acknowledged.
		wantN := []int64{}
		wantAbsent := false
		switch a.op {
		case "put":
			wantN = append(wantN, 0)
			if key == lastKey {
				wantN = append(wantN, int64(a.i))
			}
		case "inc":
			wantN = append(wantN, int64(a.i))
			wantAbsent = key == lastKey && a.i%4 == 3
		case "del":
			wantAbsent = true
		}
		switch {
		case !present && wantAbsent:
		case !present:
			t.Errorf("%s: acknowledged %s (i=%d) but the document is missing", key, a.op, a.i)
		case len(wantN) == 0:
			t.Errorf("%s: acknowledged delete but the document is present: %+v", key, got)
		case !slices.Contains(wantN, got.N):
			t.Errorf("%s: acknowledged %s (i=%d): N = %d, want one of %v", key, a.op, a.i, got.N, wantN)
		case !bytes.Equal(got.Payload, crashPayload(a.i)) || !got.At.Equal(crashTime(a.i)) ||
			!slices.Equal(got.Tags, []string{"t", fmt.Sprint(a.i)}) || got.DocstoreRevision == nil:
			t.Errorf("%s: wrong content %+v", key, got)
		}
	}
	if t.Failed() {
		t.Logf("helper stderr:\n%s", stderr.String())
	}
}

// TestTwoProcesses has a child process and this process increment the same
// document and create documents concurrently through one database file.
func TestTwoProcesses(t *testing.T) {
	const n = 100
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.sqlite")
	coll, err := OpenCollection(ctx, path, "counters", "id", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	if err := coll.Create(ctx, map[string]any{"id": "shared", "n": 0}); err != nil {
		t.Fatal(err)
	}

	cmd := helperCommand(t, "counter", path, fmt.Sprintf("%s=%d", helperNEnv, n))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var out []string
	ready := false
	for !ready && sc.Scan() {
		out = append(out, sc.Text())
		ready = sc.Text() == "ready"
	}
	if !ready {
		_ = cmd.Wait()
		t.Fatalf("helper did not start: %q\n%s", out, stderr.String())
	}
	go func() { // drain the rest
		for sc.Scan() {
			out = append(out, sc.Text())
		}
	}()

	for i := range n {
		if err := coll.Update(ctx, map[string]any{"id": "shared"}, docstore.Mods{"n": docstore.Increment(1)}); err != nil {
			t.Fatal(err)
		}
		if err := coll.Create(ctx, map[string]any{"id": fmt.Sprintf("parent-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v\n%q\n%s", err, out, stderr.String())
	}

	got := map[string]any{"id": "shared"}
	if err := coll.Get(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got["n"] != int64(2*n) {
		t.Errorf("counter = %v, want %d", got["n"], 2*n)
	}
	iter := coll.Query().Get(ctx)
	defer iter.Stop()
	count := 0
	for {
		err := iter.Next(ctx, map[string]any{})
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		count++
	}
	if count != 2*n+1 {
		t.Errorf("%d documents, want %d", count, 2*n+1)
	}
}
