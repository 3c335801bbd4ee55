package dev

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAppStopsWhenFaasDevIsKilled runs the faas binary, kills it with
// SIGKILL (no chance to stop its child) and checks that the app it started
// stops too, instead of serving on the inherited socket forever.
func TestAppStopsWhenFaasDevIsKilled(t *testing.T) {
	dir := t.TempDir()
	faas := filepath.Join(dir, "faas")
	if out, err := exec.Command("go", "build", "-o", faas, "../../../cmd/faas").CombinedOutput(); err != nil {
		t.Fatalf("building faas: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	cmd := exec.Command(faas, "dev", "--no-watch", "--port", "0", "--data", data, "../../../providers/local/testdata/flaky")
	// A file, not a pipe: an app that outlives faas dev would hold a pipe
	// open and make Wait block.
	logf, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	url := waitState(t, data, 120*time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get(url + "/_faas/healthz")
		if err != nil {
			return // nothing serves any more
		}
		resp.Body.Close()
	}
	killApps(data)
	t.Fatalf("the app still serves %s 15s after faas dev was killed", url)
}

// killApps kills the app processes faas dev built into data, found by
// their executable path in /proc.
func killApps(data string) {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !strings.HasPrefix(string(b), filepath.Join(data, "bin")) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// waitState waits until faas dev has written its state file and serves.
func waitState(t *testing.T, data string, timeout time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, err := os.ReadFile(StatePath(data))
		if err != nil {
			continue
		}
		var st State
		if json.Unmarshal(b, &st) != nil || st.URL == "" {
			continue
		}
		if resp, err := http.Get(st.URL + "/_faas/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return st.URL
			}
		}
	}
	t.Fatalf("faas dev did not serve within %v", timeout)
	return ""
}
