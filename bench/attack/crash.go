package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"
)

// crashResult is one kill -9 under write load.
type crashResult struct {
	what           string
	acked, present int
	lost, unlisted int
	failed         int // creates that got an error or no answer (not acknowledged)
	recovery       time.Duration
	missing        []string
}

// writeLoad runs writers creating to-dos as user until stop is closed and
// returns a function that waits for them and returns the acknowledged IDs
// and the number of failed attempts.
func writeLoad(t *target, token string, writers int, stop <-chan struct{}) func() ([]string, int) {
	var mu sync.Mutex
	var acked []string
	failed := 0
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				td, err := t.create(context.Background(), token, fmt.Sprintf("crash %d-%d", w, i))
				mu.Lock()
				if err != nil {
					failed++
				} else {
					acked = append(acked, td.ID)
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	return func() ([]string, int) { wg.Wait(); return acked, failed }
}

// runCrash kills part of faas dev with SIGKILL after writing for `before`,
// brings it back (faas dev restarts a killed app child itself; a killed
// CLI is started again on the same port and data), and checks that every
// acknowledged create is there. It returns the server now running.
func runCrash(ctx context.Context, dev *devServer, what string, writers int, before time.Duration, conns int, log io.Writer) (crashResult, *devServer, error) {
	res := crashResult{what: what}
	t, err := newTarget(dev.url, dev.data, conns)
	if err != nil {
		return res, dev, err
	}
	user := fmt.Sprintf("crash-%d", time.Now().UnixNano()%1e6)
	tok, err := t.token(ctx, user)
	if err != nil {
		return res, dev, err
	}
	stop := make(chan struct{})
	wait := writeLoad(t, tok, writers, stop)
	time.Sleep(before)
	child, err := dev.childPID()
	if err != nil {
		close(stop)
		wait()
		return res, dev, err
	}
	t0 := time.Now()
	switch what {
	case "app child":
		syscall.Kill(child, syscall.SIGKILL)
		time.Sleep(100 * time.Millisecond)
		if !waitHealthy(dev.url, 2*time.Minute) {
			close(stop)
			wait()
			return res, dev, fmt.Errorf("attack: faas dev did not restart its app after kill -9")
		}
		res.recovery = time.Since(t0)
		time.Sleep(before / 2) // keep writing to the restarted child
		close(stop)
	case "CLI", "CLI and app child":
		if what != "CLI" {
			syscall.Kill(child, syscall.SIGKILL)
		}
		syscall.Kill(dev.pid(), syscall.SIGKILL)
		<-dev.done
		time.Sleep(300 * time.Millisecond) // writers see the server go away
		close(stop)
		wait()
		// The app child got SIGTERM from the kernel (faas dev's parent-death
		// signal) or was killed; wait until it has gone before restarting.
		for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if syscall.Kill(child, 0) != nil {
				break
			}
		}
		nd, err := startDev(ctx, dev.bin, dev.app, dev.data, dev.port, log)
		if err != nil {
			return res, dev, err
		}
		res.recovery = time.Since(t0)
		dev = nd
		if t, err = newTarget(dev.url, dev.data, conns); err != nil {
			return res, dev, err
		}
		if tok, err = t.token(ctx, user); err != nil {
			return res, dev, err
		}
	default:
		return res, dev, fmt.Errorf("attack: unknown crash %q", what)
	}
	acked, failed := wait()
	res.acked, res.failed = len(acked), failed
	n, lost, unlisted, missing, err := lostWrites(ctx, t, map[string]string{user: tok}, map[string][]string{user: acked})
	if err != nil {
		return res, dev, err
	}
	res.present, res.lost, res.unlisted, res.missing = n-lost, lost, unlisted, missing
	return res, dev, nil
}
