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
	"testing"

	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/faaskit/faas/internal/cli/dev"
	"github.com/faaskit/faas/providers/local"
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
