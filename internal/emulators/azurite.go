package emulators

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The well-known Azurite development account, which Azurite serves
// without configuration.
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Azurite runs Azurite's blob service (installed by
// scripts/install-azurite.sh into the repository's .cache/azurite) with
// in-memory storage on a free 127.0.0.1 port until the test ends, and
// returns its host:port. It fails the test, not skips it, when Azurite is
// missing.
func Azurite(t testing.TB) string {
	t.Helper()
	_, src, _, _ := runtime.Caller(0) // this file, in <repo>/internal/emulators
	bin := filepath.Join(filepath.Dir(src), "..", "..", ".cache", "azurite", "node_modules", ".bin", "azurite-blob")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("Azurite is not installed (%v): run scripts/install-azurite.sh (npm azurite into .cache/azurite)", err)
	}
	cmd := exec.Command(bin, "--skipApiVersionCheck", "--inMemoryPersistence", "--disableTelemetry", "--blobHost", "127.0.0.1", "--blobPort", "0")
	cmd.Dir = t.TempDir() // Azurite writes its debug log and lock files here
	return StartUntilReady(t, cmd, regexp.MustCompile(`listens on http://(127\.0\.0\.1:\d+)`), "Azurite")
}

// StartUntilReady starts cmd, killed when the test ends, and returns the
// first submatch of ready in a line of its output (stdout and stderr). It
// fails the test, with the output so far, if cmd exits first or is not
// ready within two minutes.
func StartUntilReady(t testing.TB, cmd *exec.Cmd, ready *regexp.Regexp, what string) string {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", what, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	var (
		mu   sync.Mutex
		seen strings.Builder
	)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			mu.Lock()
			fmt.Fprintln(&seen, sc.Text())
			mu.Unlock()
			if m := ready.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stdout) // so the process never blocks on a full pipe
		close(found)
	}()
	output := func() string {
		mu.Lock()
		defer mu.Unlock()
		return seen.String()
	}
	select {
	case a, ok := <-found:
		if ok {
			return a
		}
		t.Fatalf("%s exited before it was ready:\n%s", what, output())
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s not ready after 2 minutes:\n%s", what, output())
	}
	return ""
}
