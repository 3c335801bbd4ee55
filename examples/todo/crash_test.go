package todo_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faaskit/faas/deploy/appbuild"
)

// startDev starts the built app binary under the local runtime on a free
// port with dataDir, and returns its base URL.
func startDev(t *testing.T, bin, dataDir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "FAAS_DEV_ADDR=127.0.0.1:0", "FAAS_DEV_DATA="+dataDir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), " serving "); ok {
				urls <- strings.Fields(after)[0]
			}
		}
	}()
	select {
	case u := <-urls:
		return cmd, u
	case <-time.After(60 * time.Second):
		t.Fatal("the app did not report its URL")
	}
	return nil, ""
}

func devToken(t *testing.T, base, user string) string {
	t.Helper()
	resp, err := http.PostForm(base+"/_faas/oidc/token", map[string][]string{"grant_type": {"password"}, "username": {user}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	return tok.AccessToken
}

// TestAcknowledgedWritesSurviveSIGKILL kills the dev runtime with SIGKILL
// while clients are writing and checks that every write it acknowledged
// (201) is there after a restart on the same data directory.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the app binary; run without -short")
	}
	pkg, err := appbuild.Inspect(t.Context(), ".")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "todo")
	if err := appbuild.Build(t.Context(), pkg, appbuild.Entry{Import: "github.com/faaskit/faas/providers/local", Func: "Main"}, bin, nil); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	cmd, base := startDev(t, bin, data)
	token := devToken(t, base, "crash")

	var mu sync.Mutex
	acked := map[string]string{} // id -> title
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				title := fmt.Sprintf("w%d-%d", w, i)
				req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/todos", strings.NewReader(`{"title":"`+title+`"}`))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return // the server died
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 201 {
					continue
				}
				var td struct{ ID string }
				if json.Unmarshal(b, &td) == nil {
					mu.Lock()
					acked[td.ID] = title
					mu.Unlock()
				}
			}
		}()
	}
	for { // kill once a good number of writes are acknowledged
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 150 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	stop()
	wg.Wait()

	_, base = startDev(t, bin, data)
	token = devToken(t, base, "crash")
	found := map[string]string{}
	cursor := ""
	for {
		req, _ := http.NewRequest("GET", base+"/api/todos?limit=100&cursor="+cursor, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Items []struct{ ID, Title string }
			Next  string `json:"next_cursor"`
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatalf("list after restart: %v: %s", err, bytes.TrimSpace(b))
		}
		for _, it := range page.Items {
			found[it.ID] = it.Title
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	missing := 0
	for id, title := range acked {
		if found[id] != title {
			missing++
		}
	}
	t.Logf("%d writes acknowledged before SIGKILL, %d to-dos after restart", len(acked), len(found))
	if missing > 0 {
		t.Errorf("%d of %d acknowledged writes lost after SIGKILL", missing, len(acked))
	}
}
