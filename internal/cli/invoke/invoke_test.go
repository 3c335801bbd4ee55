package invoke

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/faaskit/faas/internal/cli/dev"
	"github.com/faaskit/faas/providers/local"
	"github.com/faaskit/faas/sdk"
)

func TestFlagsValidation(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
	}{
		{[]string{}, "name a function, or a topic"},
		{[]string{"f", "--topic", "t"}, "not both"},
		{[]string{"f", "--data", "x", "--data-file", "y"}, "--data or --data-file"},
		{[]string{"f", "--attr", "novalue"}, "want key=value"},
	}
	for _, c := range cases {
		f := &cmdutil.Factory{IO: &cmdutil.IOStreams{Out: io.Discard, ErrOut: io.Discard}}
		cmd := NewCmdInvoke(f, func(_ context.Context, _ *Options) error { return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), c.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: err %v (exit %d); want usage error containing %q", c.args, err, cmdutil.ExitCode(err), c.wantErr)
		}
	}
}

func TestInvokeRun(t *testing.T) {
	var got struct {
		path string
		req  local.InvokeRequest
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path = r.URL.Path
		json.NewDecoder(r.Body).Decode(&got.req)
		if strings.HasSuffix(r.URL.Path, "/bad") {
			json.NewEncoder(w).Encode(local.InvokeResult{OK: false, Error: "boom"})
			return
		}
		json.NewEncoder(w).Encode(local.InvokeResult{OK: true, Subscribers: 2})
	}))
	defer srv.Close()
	dir := t.TempDir()
	state, _ := json.Marshal(dev.State{URL: srv.URL})
	os.MkdirAll(filepath.Join(dir, ".faas", "dev"), 0o755)
	os.WriteFile(dev.StatePath(filepath.Join(dir, ".faas", "dev")), state, 0o644)

	var out bytes.Buffer
	io := &cmdutil.IOStreams{Out: &out, ErrOut: &out, In: strings.NewReader("")}
	err := invokeRun(t.Context(), &Options{IO: io, Function: "stats", Dir: dir, Data: "hello", Attrs: []string{"k=v=w"}})
	if err != nil || got.path != "/_faas/invoke/stats" || got.req.Data != "hello" || got.req.Attributes["k"] != "v=w" {
		t.Errorf("invoke: err %v, sent %s %+v", err, got.path, got.req)
	}
	err = invokeRun(t.Context(), &Options{IO: io, Topic: "events", URL: srv.URL, Data: string([]byte{0xff, 0})})
	if err != nil || got.path != "/_faas/publish/events" || got.req.DataBase64 != "/wA=" || !strings.Contains(out.String(), "2 subscriber") {
		t.Errorf("publish: err %v, sent %s %+v, out %q", err, got.path, got.req, out.String())
	}
	if err := invokeRun(t.Context(), &Options{IO: io, Function: "bad", URL: srv.URL}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing handler: %v; want its error", err)
	}
	if err := invokeRun(t.Context(), &Options{IO: io, Function: "x", Dir: t.TempDir()}); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("no running app: %v; want a usage error saying how to fix it", err)
	}
}

// TestInvokePassesDevServerGuard runs faas invoke against a real dev
// server, whose /_faas API refuses simple (CSRF-able) and DNS-rebound
// requests: the CLI's requests must still get through.
func TestInvokePassesDevServerGuard(t *testing.T) {
	var ticks, msgs atomic.Int32
	app := sdk.New("guarded", nil)
	app.Topic("events", nil)
	app.Schedule("purge", "rate(1 hour)", func(context.Context, *sdk.ScheduleEvent) error { ticks.Add(1); return nil }, nil)
	app.Message("stats", "events", func(context.Context, *sdk.Message) error { msgs.Add(1); return nil }, nil)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	srv, err := local.NewServer(t.Context(), app.Manifest(), local.NewInProcess(app, nil), &local.ServerOptions{DataDir: t.TempDir(), BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts.Config.Handler = srv
	ts.Start()
	defer ts.Close()
	var out bytes.Buffer
	io := &cmdutil.IOStreams{Out: &out, ErrOut: &out, In: strings.NewReader("")}
	if err := invokeRun(t.Context(), &Options{IO: io, Function: "purge", URL: base}); err != nil || ticks.Load() != 1 {
		t.Errorf("invoke purge: %v, %d ticks; want the schedule run once", err, ticks.Load())
	}
	if err := invokeRun(t.Context(), &Options{IO: io, Function: "stats", URL: base, Data: "x"}); err != nil || msgs.Load() != 1 {
		t.Errorf("invoke stats: %v, %d messages; want one delivered", err, msgs.Load())
	}
	if err := invokeRun(t.Context(), &Options{IO: io, Topic: "events", URL: base, Data: "x"}); err != nil {
		t.Errorf("publish: %v", err)
	}
}
