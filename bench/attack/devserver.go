package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// devServer is a `faas dev` process the tool started.
type devServer struct {
	bin, app, data string
	log            io.Writer
	cmd            *exec.Cmd
	done           chan struct{}
	url            string
	port           int
}

// startDev runs `bin dev --port port --no-watch --data data app` and waits
// until it serves (state.json written by this process, healthz 200).
func startDev(ctx context.Context, bin, app, data string, port int, log io.Writer) (*devServer, error) {
	state := filepath.Join(data, "state.json")
	os.Remove(state) // a killed faas dev leaves its state behind
	args := append(strings.Fields(bin), "dev", "--port", strconv.Itoa(port), "--no-watch", "--data", data, app)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("attack: starting faas dev: %w", err)
	}
	d := &devServer{bin: bin, app: app, data: data, log: log, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(d.done) }()
	deadline := time.Now().Add(10 * time.Minute) // the first run compiles the app
	for time.Now().Before(deadline) {
		select {
		case <-d.done:
			return nil, errors.New("attack: faas dev exited during start-up (see its log)")
		case <-ctx.Done():
			d.kill()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		var st struct {
			URL string `json:"url"`
			PID int    `json:"pid"`
		}
		b, err := os.ReadFile(state)
		if err != nil || json.Unmarshal(b, &st) != nil || st.URL == "" {
			continue
		}
		if healthy(st.URL) {
			d.url = st.URL
			d.port, _ = strconv.Atoi(st.URL[strings.LastIndex(st.URL, ":")+1:])
			return d, nil
		}
	}
	d.kill()
	return nil, errors.New("attack: faas dev did not serve within 10 minutes")
}

func healthy(url string) bool {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url + "/_faas/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// waitHealthy polls healthz until it answers 200 or timeout passes.
func waitHealthy(url string, timeout time.Duration) bool {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if healthy(url) {
			return true
		}
	}
	return false
}

// pid is the faas dev CLI's process ID (when bin is a `go run` command
// line, the go tool's: use a built binary for the kill tests).
func (d *devServer) pid() int { return d.cmd.Process.Pid }

// childPID returns the app process the CLI supervises.
func (d *devServer) childPID() (int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	// The CLI may be `go run`: follow the descendants to the app binary,
	// the process whose command line is under <data>/bin/.
	bin := filepath.Join(d.data, "bin") + "/"
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.HasPrefix(string(cmdline), bin) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("attack: no app process under %s", bin)
}

// stop ends faas dev gracefully (SIGTERM; SIGKILL after 20s).
func (d *devServer) stop() {
	select {
	case <-d.done:
		return
	default:
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(20 * time.Second):
		d.kill()
	}
}

// kill sends SIGKILL to the CLI (and, through its process group, to a
// `go run` wrapper) and waits for it.
func (d *devServer) kill() {
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	<-d.done
}
