//go:build !linux

package sqlitedocstore

import "time"

// threadCPU reports false: thread CPU time is measured on Linux only.
func threadCPU() (time.Duration, bool) { return 0, false }
