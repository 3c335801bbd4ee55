//go:build !linux

package dev

import "syscall"

// childAttr puts the app in its own process group, so that stop can kill
// it with everything it started.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
