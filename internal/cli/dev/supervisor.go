package dev

import (
	"context"
	"fmt"
	"github.com/faaskit/faas/deploy"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/faaskit/faas/deploy/appbuild"
	"github.com/faaskit/faas/internal/cli/cmdutil"
)

// supervisor builds the app binary and keeps one child process serving on
// the inherited listener, replacing it after each successful build.
type supervisor struct {
	io      *cmdutil.IOStreams
	pkg     *appbuild.Package
	dataDir string
	ln      *net.TCPListener
	url     string
	// emulate, if set, is the provider whose local host serves the app:
	// the child is then this executable's HostCommand.
	emulate string

	gen     int
	argv    []string  // the command line serving the current build
	child   *exec.Cmd // nil while no child runs
	done    chan struct{}
	started time.Time     // when child started
	crashes int           // unexpected exits in a row
	retry   chan struct{} // closed when a failed restart should be tried again
}

var localEntry = appbuild.Entry{Import: "github.com/faaskit/faas/providers/local", Func: "Main"}

// rebuild compiles the app; only if that succeeds is the running child
// replaced, so a broken edit never takes the app down.
func (s *supervisor) rebuild(ctx context.Context) error {
	s.gen++
	argv, err := s.build(ctx, s.gen)
	if err != nil {
		return err
	}
	s.stop()
	s.argv, s.crashes = argv, 0
	if err := s.start(ctx, argv); err != nil {
		return err
	}
	if s.gen > 1 {
		os.RemoveAll(s.artifact(s.gen - 1))
	}
	return nil
}

// artifact is where generation gen is built.
func (s *supervisor) artifact(gen int) string {
	if s.emulate != "" {
		return filepath.Join(s.dataDir, "bin", fmt.Sprintf("%s-%d", s.emulate, gen))
	}
	return filepath.Join(s.dataDir, "bin", fmt.Sprintf("app-%d", gen))
}

// build compiles generation gen and returns the command line that serves it.
func (s *supervisor) build(ctx context.Context, gen int) ([]string, error) {
	out := s.artifact(gen)
	if s.emulate == "" {
		if err := appbuild.Build(ctx, s.pkg, localEntry, out, nil); err != nil {
			return nil, err
		}
		return []string{out}, nil
	}
	em, err := emulatorFor(s.emulate)
	if err != nil {
		return nil, err
	}
	if err := os.RemoveAll(out); err != nil {
		return nil, err
	}
	if err := em.BuildLocal(ctx, &deploy.BuildRequest{Dir: s.pkg.Dir, Out: out, Progress: s.io.ErrOut, Wrap: devWrap, Local: true}); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the faas executable to run the %s host: %w", s.emulate, err)
	}
	return []string{self, HostCommand, "--emulate=" + s.emulate, out}, nil
}

func (s *supervisor) start(ctx context.Context, argv []string) error {
	f, err := s.ln.File()
	if err != nil {
		return fmt.Errorf("sharing the listener: %w", err)
	}
	defer f.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.pkg.Dir
	cmd.Stdout, cmd.Stderr = s.io.ErrOut, s.io.ErrOut
	cmd.ExtraFiles = []*os.File{f} // fd 3
	cmd.Env = append(os.Environ(), "FAAS_DEV_LISTEN_FD=3", "FAAS_DEV_DATA="+s.dataDir)
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the app: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.child, s.done, s.started = cmd, done, time.Now()
	return s.waitReady(ctx, done)
}

// waitReady polls the health endpoint until the child answers.
func (s *supervisor) waitReady(ctx context.Context, exited chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("the app exited during start-up (see its output above)")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := client.Get(s.url + "/_faas/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("the app did not become ready within 60s")
}

// stop ends the child gracefully (SIGTERM, then SIGKILL after 10s).
func (s *supervisor) stop() {
	if s.child == nil {
		return
	}
	select {
	case <-s.done:
	default:
		s.child.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-s.child.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	}
	s.child = nil
}

// exited returns a channel that is closed when the serving child exits
// (or, while none runs, when a failed restart is due again).
func (s *supervisor) exited() <-chan struct{} {
	if s.child == nil {
		return s.retry
	}
	return s.done
}

// restartAfterExit logs why the child exited and starts the current build
// again, waiting longer each time it keeps dying (up to 10s). Connections
// that arrive meanwhile wait in the listener's backlog, which the new child
// inherits and serves.
func (s *supervisor) restartAfterExit(ctx context.Context) {
	if s.child != nil {
		fmt.Fprintf(s.io.ErrOut, "faas dev: the app exited unexpectedly (%s); restarting it\n", exitReason(s.child.ProcessState))
		if time.Since(s.started) > 10*time.Second {
			s.crashes = 0
		}
		s.child = nil
	}
	delay := restartDelay(s.crashes)
	s.crashes++
	if delay > 0 {
		fmt.Fprintf(s.io.ErrOut, "faas dev: waiting %v before restarting (it exited %d times in a row)\n", delay, s.crashes-1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
	if err := s.start(ctx, s.argv); err != nil {
		if ctx.Err() != nil {
			return
		}
		fmt.Fprintf(s.io.ErrOut, "faas dev: restarting the app: %v\n", err)
		if s.child != nil {
			s.stop()
		}
		s.retry = make(chan struct{})
		close(s.retry) // try again at once; restartDelay spaces the attempts
	}
}

// restartDelay is the wait before restart n+1 of a child that keeps
// exiting: none for the first, then 250ms doubling up to 10s.
func restartDelay(n int) time.Duration {
	if n == 0 {
		return 0
	}
	d := 250 * time.Millisecond << min(n-1, 6)
	return min(d, 10*time.Second)
}

// exitReason describes how a process ended.
func exitReason(ps *os.ProcessState) string {
	if ps == nil {
		return "unknown"
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by signal " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ps.ExitCode())
}
