package cmdutil

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/deploy"
)

func TestProgressPrinter(t *testing.T) {
	events := []deploy.Event{
		{Action: deploy.Create, Kind: "topic", Name: "a", Status: deploy.StatusStarted},
		{Action: deploy.Update, Kind: "function", Name: "b", Status: deploy.StatusStarted},
		{Action: deploy.Create, Kind: "topic", Name: "a", Status: deploy.StatusDone, Took: 1500 * time.Millisecond},
		{Action: deploy.Update, Kind: "function", Name: "b", Status: deploy.StatusFailed, Err: errors.New("boom")},
	}
	settled := "+ topic a (1.5s)\n! function b failed: boom\n"
	for _, c := range []struct {
		live bool
		want string
	}{
		// Plain lines off a terminal: only settled resources, no control characters.
		{false, settled},
		// On a terminal the status line shows what is in flight, is
		// rewritten at every event, and is gone at the end.
		{true, "\r\x1b[K… 1 in progress: topic a" +
			"\r\x1b[K… 2 in progress: topic a, function b" +
			"\r\x1b[K+ topic a (1.5s)\n… 1 in progress: function b" +
			"\r\x1b[K! function b failed: boom\n"},
	} {
		var b bytes.Buffer
		p := ProgressPrinter(&b, false, c.live)
		for _, e := range events {
			p(e)
		}
		if b.String() != c.want {
			t.Errorf("live=%v: wrote %q; want %q", c.live, b.String(), c.want)
		}
		if !c.live && strings.ContainsAny(b.String(), "\r\x1b") {
			t.Errorf("plain output has control characters: %q", b.String())
		}
	}
}
