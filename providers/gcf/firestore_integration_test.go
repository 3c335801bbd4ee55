//go:build integration

package gcf

import (
	"bufio"
	"context"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/sdk"
)

// The Firestore binding against the gcloud Firestore emulator (a Java
// process): run with -tags integration (scripts/test.sh does).

func TestBindingFirestore(t *testing.T) {
	host := startFirestoreEmulator(t)
	t.Setenv("FIRESTORE_EMULATOR_HOST", host)
	t.Setenv(provider.EnvVar(sdk.KindCollection, "todos"), "firestore://projects/faas-proj/databases/(default)/documents/todos?name_field=id")

	a := sdk.New("bind", nil)
	todos := a.Collection("todos", nil)
	ctx := t.Context()
	c, err := todos.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.WithoutCancel(ctx)) })
	type todo struct {
		ID    string `docstore:"id"`
		Title string `docstore:"title"`
		Done  bool   `docstore:"done"`
	}
	if err := c.Put(ctx, &todo{ID: "t1", Title: "write tests"}); err != nil {
		t.Fatal(err)
	}
	got := todo{ID: "t1"}
	if err := c.Get(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if got.Title != "write tests" || got.Done {
		t.Errorf("got %+v; want the stored todo", got)
	}
}

// startFirestoreEmulator runs the gcloud Firestore emulator's java process
// directly (one PID) on a free loopback port and stops it at cleanup.
func startFirestoreEmulator(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("dpkg", "-L", "google-cloud-cli-firestore-emulator").Output()
	jar := ""
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasSuffix(l, "/cloud-firestore-emulator.jar") {
			jar = l
		}
	}
	java, jerr := exec.LookPath("java")
	if err != nil || jar == "" || jerr != nil {
		t.Fatalf("the Firestore emulator is not installed (dpkg -L google-cloud-cli-firestore-emulator: %v; java: %v): install it with `apt-get install google-cloud-cli-firestore-emulator` (Google Cloud SDK apt repository) or `gcloud components install cloud-firestore-emulator`", err, jerr)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(java, "-Duser.language=en", "-cp", jar, "com.google.cloud.datastore.emulator.firestore.CloudFirestore", "start", "--host=127.0.0.1", "--port="+port)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Dev App Server is now running") {
				close(ready)
				for sc.Scan() {
				}
				return
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatal("Firestore emulator not ready after 60s")
	}
	return fmt.Sprintf("127.0.0.1:%s", port)
}
