package dev

import "syscall"

// childAttr puts the app in its own process group, so that stop can kill
// it with everything it started, and has the kernel send it SIGTERM if
// faas dev dies without stopping it (kill -9), so that it does not keep
// serving on the inherited socket.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
