//go:build !unix

package todo_test

import "time"

// processCPU reports false: the CPU time is not read on this platform.
func processCPU() (time.Duration, bool) { return 0, false }
