//go:build unix

package lambdahost

import (
	"os/exec"
	"syscall"
)

// isolate puts the bootstrap in its own process group so that stopping an
// environment also stops anything it started, as Lambda's sandbox does.
func isolate(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// kill stops the process group of cmd.
func kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Process.Kill()
	}
}
