// Package emulators starts the local stand-ins that integration tests share
// and that no Go package embeds: the gcloud Firestore emulator and Azurite.
package emulators

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"time"
)

// Firestore is a running gcloud Firestore emulator: its Java process, run
// directly (one PID, so Stop leaves nothing behind), on a free 127.0.0.1
// port.
type Firestore struct {
	// Addr is the emulator's host:port, the value of FIRESTORE_EMULATOR_HOST.
	Addr  string
	cmd   *exec.Cmd
	ready chan struct{}
}

// ErrFirestoreMissing is wrapped by StartFirestore's error when the emulator
// or Java is not installed; the message says how to install them.
var ErrFirestoreMissing = errors.New("the Firestore emulator is not installed")

// StartFirestore starts the emulator and returns at once; call Wait before
// the first request and Stop at the end.
func StartFirestore() (*Firestore, error) {
	out, derr := exec.Command("dpkg", "-L", "google-cloud-cli-firestore-emulator").Output()
	jar := ""
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasSuffix(l, "/cloud-firestore-emulator.jar") {
			jar = l
		}
	}
	java, jerr := exec.LookPath("java")
	if derr != nil || jar == "" || jerr != nil {
		return nil, fmt.Errorf("emulators: %w (dpkg -L google-cloud-cli-firestore-emulator: %v; java: %v): install it with `apt-get install google-cloud-cli-firestore-emulator` (Google Cloud SDK apt repository) or `gcloud components install cloud-firestore-emulator`", ErrFirestoreMissing, derr, jerr)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("emulators: a free port for Firestore: %w", err)
	}
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	l.Close()
	cmd := exec.Command(java, "-Duser.language=en", "-cp", jar, "com.google.cloud.datastore.emulator.firestore.CloudFirestore", "start", "--host=127.0.0.1", "--port="+port)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("emulators: Firestore: %w", err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("emulators: starting the Firestore emulator: %w", err)
	}
	f := &Firestore{Addr: addr, cmd: cmd, ready: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Dev App Server is now running") {
				close(f.ready)
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	return f, nil
}

// Wait returns when the emulator serves, or an error after timeout.
func (f *Firestore) Wait(timeout time.Duration) error {
	select {
	case <-f.ready:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("emulators: the Firestore emulator was not ready after %s", timeout)
	}
}

// Stop kills the emulator and waits for it to exit.
func (f *Firestore) Stop() {
	f.cmd.Process.Kill()
	f.cmd.Wait()
}
