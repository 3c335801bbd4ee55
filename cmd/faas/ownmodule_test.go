package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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

// These tests use faas the way a library consumer does: the faas binary,
// built from this checkout, run on app modules that live OUTSIDE this
// repository (in temp dirs), which reach faas through a replace directive
// or a go.work file. Nothing in them is inside the faas module, so a
// generated main that imports an internal package, or a build that needs
// the app's go.mod to list faas's own dependencies, fails here.

// faasBin is the faas binary under test, built once by TestMain.
var faasBin string

// checkout is the root of this faas checkout.
var checkout string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faas-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	faasBin = filepath.Join(dir, "faas")
	if out, err := exec.Command("go", "build", "-o", faasBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building faas: %v\n%s", err, out)
		os.Exit(1)
	}
	checkout, _ = filepath.Abs("../..")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestInitModule runs faas init, then the new module's own tests, faas dev
// and faas build for every provider, as the README's "Use faas in your own
// module" section says.
func TestInitModule(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "hello")
	out := runFaas(t, "", "init", "--replace", checkout, dir)
	if !strings.Contains(out, `created app "hello"`) {
		t.Fatalf("faas init printed:\n%s", out)
	}
	goMod := readFile(t, filepath.Join(dir, "go.mod"))
	if test := exec.Command("go", "test", "./..."); true {
		test.Dir = dir
		if b, err := test.CombinedOutput(); err != nil {
			t.Fatalf("go test in the new module: %v\n%s", err, b)
		}
	}
	dev := startDev(t, dir)
	if got := getJSON(t, dev.url+"/hello?name=init")["message"]; got != "hello, init" {
		t.Errorf("GET /hello = %q; want %q", got, "hello, init")
	}
	dev.stop(t)
	for _, p := range []string{"aws", "azure", "gcp"} {
		t.Run(p, func(t *testing.T) {
			out := runFaas(t, dir, "build", "--provider="+p, "--json", "--out", filepath.Join(t.TempDir(), "dist"), ".")
			var res struct{ Artifact string }
			if err := json.Unmarshal([]byte(out), &res); err != nil || res.Artifact == "" {
				t.Fatalf("faas build --json printed %q (%v)", out, err)
			}
			if fi, err := os.Stat(res.Artifact); err != nil || fi.Size() == 0 {
				t.Errorf("artifact %s: %v", res.Artifact, err)
			}
		})
	}
	if after := readFile(t, filepath.Join(dir, "go.mod")); after != goMod {
		t.Errorf("faas rewrote the app's go.mod:\nbefore:\n%s\nafter:\n%s", goMod, after)
	}
}

// TestHandWrittenModule runs a hand-written module with two packages, an
// embedded file and a topic under faas dev: requests are answered,
// messages delivered, an edit in the sibling package or the embedded file
// rebuilds the app, and an app process that dies is restarted at once,
// with the requests that arrived meanwhile served.
func TestHandWrittenModule(t *testing.T) {
	t.Parallel()
	dir := copyModule(t, "testdata/shop", "shop")
	goMod, goSum := readFile(t, filepath.Join(dir, "go.mod")), readFile(t, filepath.Join(dir, "go.sum"))

	dev := startDev(t, dir)
	defer dev.stop(t)
	wantGreeting(t, dev.url, "hello, a v1")
	publishAndWait(t, dev.url, "o-dev")

	// An edit in the sibling package the app imports rebuilds it.
	greet := filepath.Join(dir, "greet", "greet.go")
	writeFile(t, greet, strings.Replace(readFile(t, greet), `"hello, "`, `"hey, "`, 1))
	wantGreeting(t, dev.url, "hey, a v1")
	// So does an edit of an embedded file.
	writeFile(t, filepath.Join(dir, "app", "static", "banner.txt"), "v2")
	wantGreeting(t, dev.url, "hey, a v2")

	// kill -9 the app process: the next request is still answered.
	if n := killApps(dev.data); n != 1 {
		t.Fatalf("found %d app processes to kill; want 1", n)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(dev.url + "/greet?name=b")
	if err != nil {
		t.Fatalf("request after the app was killed: %v\n%s", err, readFile(t, dev.log))
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("request after the app was killed: %d", resp.StatusCode)
	}
	if log := readFile(t, dev.log); !strings.Contains(log, "exited unexpectedly (killed by signal killed)") {
		t.Errorf("faas dev did not log why the app stopped:\n%s", log)
	}
	if readFile(t, filepath.Join(dir, "go.mod")) != goMod || readFile(t, filepath.Join(dir, "go.sum")) != goSum {
		t.Errorf("faas changed the app's go.mod or go.sum")
	}
}

// TestHandWrittenModuleEmulated serves the same module through each
// provider's local host (faas dev --emulate): the provider's real artifact,
// built from a module outside this repository.
func TestHandWrittenModuleEmulated(t *testing.T) {
	for _, p := range []string{"aws", "gcp", "azure"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			dir := copyModule(t, "testdata/shop", "shop")
			dev := startDev(t, dir, "--emulate="+p, "--no-watch")
			defer dev.stop(t)
			wantGreeting(t, dev.url, "hello, a v1")
			publishAndWait(t, dev.url, "o-"+p)
		})
	}
}

// killApps SIGKILLs the app processes faas dev started from its data
// directory (found by executable path in /proc) and returns how many.
func killApps(data string) int {
	n := 0
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !strings.HasPrefix(string(b), filepath.Join(data, "bin")+"/") {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil && syscall.Kill(pid, syscall.SIGKILL) == nil {
			n++
		}
	}
	return n
}

// TestWorkspaceModule resolves faas through a go.work that uses the
// checkout, with no requirement on faas in the app's go.mod.
func TestWorkspaceModule(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := copyModule(t, "testdata/shop", "shop")
	// In a workspace, the app imports faas from the workspace's faas
	// module: its go.mod neither requires nor replaces it.
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/shop\n\ngo 1.26.0\n")
	work := fmt.Sprintf("go 1.26.0\n\nuse (\n\t%s\n\t%s\n)\n", dir, checkout)
	writeFile(t, filepath.Join(root, "go.work"), work)
	env := []string{"GOWORK=" + filepath.Join(root, "go.work")}
	out := runFaasEnv(t, dir, env, "build", "--provider=azure", "--out", filepath.Join(root, "dist"), "./app")
	if !strings.Contains(out, "app.zip") {
		t.Errorf("faas build in a workspace printed:\n%s", out)
	}
	dev := startDevEnv(t, dir, env, "--no-watch")
	defer dev.stop(t)
	wantGreeting(t, dev.url, "hello, a v1")
}

func copyModule(t *testing.T, src, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "go.mod.txt" {
			target = filepath.Join(dst, "go.mod")
			b = bytes.ReplaceAll(b, []byte("FAAS_CHECKOUT"), []byte(checkout))
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dst
	if b, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy in %s: %v\n%s", dst, err, b)
	}
	return dst
}

func runFaas(t *testing.T, dir string, args ...string) string {
	return runFaasEnv(t, dir, nil, args...)
}

func runFaasEnv(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(faasBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("faas %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

type devProc struct {
	cmd    *exec.Cmd
	url    string
	log    string
	data   string
	exited chan struct{} // closed when cmd has exited
}

func startDev(t *testing.T, dir string, args ...string) *devProc {
	return startDevEnv(t, dir, nil, args...)
}

// startDevEnv starts faas dev on a free port with its data in a temp dir
// and waits until it serves.
func startDevEnv(t *testing.T, dir string, env []string, args ...string) *devProc {
	t.Helper()
	data := t.TempDir()
	log := filepath.Join(data, "faas-dev.log")
	logf, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	args = append(append([]string{"dev", "--port", "0", "--data", data, "--poll", "200ms"}, args...), ".")
	if _, err := os.Stat(filepath.Join(dir, "app")); err == nil {
		args[len(args)-1] = "./app"
	}
	cmd := exec.Command(faasBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	d := &devProc{cmd: cmd, log: log, data: data, exited: exited}
	t.Cleanup(func() { d.stop(t) })
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("faas %s exited:\n%s", strings.Join(args, " "), readFile(t, log))
		default:
		}
		b, err := os.ReadFile(filepath.Join(data, "state.json"))
		if err != nil {
			continue
		}
		var st struct{ URL string }
		if json.Unmarshal(b, &st) == nil && st.URL != "" {
			d.url = st.URL
			return d
		}
	}
	t.Fatalf("faas dev did not serve within 5 minutes:\n%s", readFile(t, log))
	return nil
}

func (d *devProc) stop(t *testing.T) {
	select {
	case <-d.exited:
		return
	default:
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(20 * time.Second):
		d.cmd.Process.Kill()
		t.Errorf("faas dev did not stop within 20s of SIGTERM")
	}
}

func wantGreeting(t *testing.T, url, want string) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if got = getJSON(t, url+"/greet?name=a")["message"]; got == want {
			return
		}
	}
	t.Fatalf("GET /greet = %q; want %q", got, want)
}

// publishAndWait publishes id on the app's topic through the dev server
// and waits until the message function has stored it.
func publishAndWait(t *testing.T, url, id string) {
	t.Helper()
	resp, err := http.Post(url+"/_faas/publish/placed", "application/json", strings.NewReader(`{"data":"`+id+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("publish: %d %s", resp.StatusCode, b)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if getJSON(t, url+"/orders/"+id)["data"] == "placed:"+id {
			return
		}
	}
	t.Fatalf("message %q was not delivered to the record function within a minute", id)
}

func getJSON(t *testing.T, url string) map[string]string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var m map[string]string
	json.NewDecoder(resp.Body).Decode(&m)
	return m
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	// A later modification time than the build saw, even on coarse clocks.
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(p, later, later)
}
