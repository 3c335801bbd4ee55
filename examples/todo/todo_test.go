package todo_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/providers/local/localtest"
)

type client struct {
	t     *testing.T
	env   *localtest.Env
	token string
}

func (c *client) do(method, path string, body any, hdr map[string]string) (int, http.Header, []byte) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.env.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if _, ok := body.([]byte); !ok && body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.env.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func (c *client) json(method, path string, body any, wantStatus int, out any) http.Header {
	c.t.Helper()
	st, h, b := c.do(method, path, body, nil)
	if st != wantStatus {
		c.t.Fatalf("%s %s: status %d; want %d; body %s", method, path, st, wantStatus, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return h
}

type listResp struct {
	Items      []todo.Todo `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

type errResp struct {
	Error struct{ Code, Message, Field string } `json:"error"`
}

func TestWalkthrough(t *testing.T) {
	env := localtest.Start(t, todo.App, nil)
	alice := &client{t: t, env: env, token: env.Token("alice")}
	bob := &client{t: t, env: env, token: env.Token("bob")}

	var created todo.Todo
	h := alice.json("POST", "/api/todos", map[string]string{"title": "Buy milk", "notes": "2 litres", "due": "2026-12-01"}, 201, &created)
	if created.ID == "" || created.Title != "Buy milk" || created.Done || created.Revision == "" {
		t.Fatalf("created %+v", created)
	}
	if h.Get("Location") != "/api/todos/"+created.ID || h.Get("ETag") == "" {
		t.Errorf("Location %q ETag %q", h.Get("Location"), h.Get("ETag"))
	}
	var second todo.Todo
	alice.json("POST", "/api/todos", map[string]string{"title": "Walk the dog"}, 201, &second)

	var list listResp
	alice.json("GET", "/api/todos", nil, 200, &list)
	if len(list.Items) != 2 || list.Items[0].ID != second.ID {
		t.Fatalf("list = %+v; want 2 items, newest first", list.Items)
	}

	// Complete it; the stats function counts the event.
	var done todo.Todo
	alice.json("PATCH", "/api/todos/"+created.ID, map[string]any{"done": true, "revision": created.Revision}, 200, &done)
	if !done.Done || done.CompletedAt.IsZero() || done.Revision == created.Revision {
		t.Fatalf("after completing: %+v", done)
	}
	alice.json("GET", "/api/todos?status=done", nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0].ID != created.ID {
		t.Errorf("status=done lists %+v", list.Items)
	}
	alice.json("GET", "/api/todos?status=open", nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0].ID != second.ID {
		t.Errorf("status=open lists %+v", list.Items)
	}

	// Attach a file; the blob event records it on the to-do.
	payload := []byte("%PDF-1.7 not really\x00\x01")
	st, _, b := alice.do("PUT", "/api/todos/"+created.ID+"/attachments/receipt.pdf", payload, map[string]string{"Content-Type": "application/pdf"})
	if st != 201 {
		t.Fatalf("upload: %d %s", st, b)
	}
	st, hd, b := alice.do("GET", "/api/todos/"+created.ID+"/attachments/receipt.pdf", nil, nil)
	if st != 200 || !bytes.Equal(b, payload) || hd.Get("Content-Type") != "application/pdf" {
		t.Errorf("download: %d %q %q", st, hd.Get("Content-Type"), b)
	}
	var atts struct{ Items []todo.Attachment }
	alice.json("GET", "/api/todos/"+created.ID+"/attachments", nil, 200, &atts)
	if len(atts.Items) != 1 || atts.Items[0].Name != "receipt.pdf" || atts.Items[0].Size != int64(len(payload)) || atts.Items[0].ContentType != "application/pdf" {
		t.Errorf("attachments list %+v; want receipt.pdf with its size and type", atts.Items)
	}
	env.WaitIdle(10 * time.Second)
	var got todo.Todo
	alice.json("GET", "/api/todos/"+created.ID, nil, 200, &got)
	if len(got.Attachments) != 1 || got.Attachments[0].Name != "receipt.pdf" || got.Attachments[0].Size != int64(len(payload)) || got.Attachments[0].ContentType != "application/pdf" {
		t.Errorf("attachments recorded by the blob event: %+v", got.Attachments)
	}
	// S3 notifications carry no content type: the handler takes it from the object.
	admin := &client{t: t, env: env}
	st, _, b = admin.do("POST", "/_faas/invoke/attachment-meta", fmt.Sprintf(`{"kind":"created","key":%q,"size":%d}`, todo.AttachmentKey("alice", created.ID, "receipt.pdf"), len(payload)), nil)
	if st != 200 {
		t.Fatalf("invoke attachment-meta: %d %s", st, b)
	}
	alice.json("GET", "/api/todos/"+created.ID, nil, 200, &got)
	if len(got.Attachments) != 1 || got.Attachments[0].ContentType != "application/pdf" {
		t.Errorf("after a blob event without a content type: %+v; want the object's type application/pdf", got.Attachments)
	}
	var stats map[string]int
	alice.json("GET", "/api/stats", nil, 200, &stats)
	if stats["created"] != 2 || stats["completed"] != 1 {
		t.Errorf("alice's stats %v; want created 2, completed 1", stats)
	}

	// Bob sees none of it, and cannot touch it.
	bob.json("GET", "/api/todos", nil, 200, &list)
	if len(list.Items) != 0 {
		t.Errorf("bob lists alice's to-dos: %+v", list.Items)
	}
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/todos/" + created.ID},
		{"PATCH", "/api/todos/" + created.ID},
		{"DELETE", "/api/todos/" + created.ID},
		{"GET", "/api/todos/" + created.ID + "/attachments"},
		{"GET", "/api/todos/" + created.ID + "/attachments/receipt.pdf"},
		{"DELETE", "/api/todos/" + created.ID + "/attachments/receipt.pdf"},
		{"PUT", "/api/todos/" + created.ID + "/attachments/evil.txt"},
	} {
		var body any
		if r.method == "PATCH" {
			body = map[string]any{"title": "hijacked"}
		}
		if r.method == "PUT" {
			body = []byte("x")
		}
		st, _, b := bob.do(r.method, r.path, body, nil)
		var e errResp
		json.Unmarshal(b, &e)
		if st != 404 || e.Error.Code != "not_found" {
			t.Errorf("bob %s %s: %d %s; want 404 not_found, same as a missing to-do", r.method, r.path, st, b)
		}
	}
	bob.json("GET", "/api/stats", nil, 200, &stats)
	if stats["created"] != 0 {
		t.Errorf("bob's stats %v", stats)
	}
	alice.json("GET", "/api/todos/"+created.ID, nil, 200, &got)
	if got.Title != "Buy milk" || len(got.Attachments) != 1 {
		t.Errorf("alice's to-do changed by bob's attempts: %+v", got)
	}

	// Delete removes the to-do and its attachments.
	if st, _, b := alice.do("DELETE", "/api/todos/"+created.ID, nil, nil); st != 204 {
		t.Fatalf("delete: %d %s", st, b)
	}
	if st, _, _ := alice.do("GET", "/api/todos/"+created.ID, nil, nil); st != 404 {
		t.Errorf("deleted to-do: %d; want 404", st)
	}
	env.WaitIdle(10 * time.Second)
	alice.json("GET", "/api/stats", nil, 200, &stats)
	if stats["deleted"] != 1 {
		t.Errorf("stats after delete %v", stats)
	}
}

func TestConcurrencyControl(t *testing.T) {
	env := localtest.Start(t, todo.App, nil)
	c := &client{t: t, env: env, token: env.Token("carol")}
	var td todo.Todo
	c.json("POST", "/api/todos", map[string]string{"title": "v1"}, 201, &td)
	var v2 todo.Todo
	c.json("PATCH", "/api/todos/"+td.ID, map[string]any{"title": "v2", "revision": td.Revision}, 200, &v2)

	st, _, b := c.do("PATCH", "/api/todos/"+td.ID, map[string]any{"title": "stale", "revision": td.Revision}, nil)
	var e errResp
	json.Unmarshal(b, &e)
	if st != 409 || e.Error.Code != "conflict" || e.Error.Field != "revision" {
		t.Errorf("stale revision: %d %s; want 409 conflict on revision", st, b)
	}
	st, _, b = c.do("PATCH", "/api/todos/"+td.ID, map[string]any{"title": "stale"}, map[string]string{"If-Match": fmt.Sprintf("%q", td.Revision)})
	if st != 412 {
		t.Errorf("stale If-Match: %d %s; want 412", st, b)
	}
	var got todo.Todo
	c.json("GET", "/api/todos/"+td.ID, nil, 200, &got)
	if got.Title != "v2" {
		t.Errorf("title %q after rejected writes; want v2 (no silent overwrite)", got.Title)
	}
	c.json("PATCH", "/api/todos/"+td.ID, map[string]any{"title": "v3"}, 200, nil) // no revision: last write wins, by choice
	st, _, _ = c.do("PATCH", "/api/todos/"+td.ID, map[string]any{"title": "v4"}, map[string]string{"If-Match": fmt.Sprintf("%q", got.Revision)})
	if st != 412 {
		t.Errorf("If-Match with the revision before v3: %d; want 412", st)
	}
}

func TestBadInput(t *testing.T) {
	env := localtest.Start(t, todo.App, nil)
	c := &client{t: t, env: env, token: env.Token("dave")}
	var td todo.Todo
	c.json("POST", "/api/todos", map[string]string{"title": "ok"}, 201, &td)
	cases := []struct {
		name, method, path string
		body               any
		hdr                map[string]string
		status             int
		field              string
	}{
		{"missing title", "POST", "/api/todos", map[string]string{"notes": "x"}, nil, 400, "title"},
		{"blank title", "POST", "/api/todos", map[string]string{"title": "   "}, nil, 400, "title"},
		{"long title", "POST", "/api/todos", map[string]string{"title": strings.Repeat("x", 201)}, nil, 400, "title"},
		{"bad due", "POST", "/api/todos", map[string]string{"title": "a", "due": "tomorrow"}, nil, 400, "due"},
		{"unknown field", "POST", "/api/todos", map[string]any{"title": "a", "owner": "eve"}, nil, 400, "owner"},
		{"wrong type", "POST", "/api/todos", map[string]any{"title": 5}, nil, 400, "title"},
		{"not json", "POST", "/api/todos", "{", nil, 400, "body"},
		{"done not bool", "PATCH", "/api/todos/" + td.ID, map[string]any{"done": "yes"}, nil, 400, "done"},
		{"bad status", "GET", "/api/todos?status=maybe", nil, nil, 400, "status"},
		{"bad limit", "GET", "/api/todos?limit=1000", nil, nil, 400, "limit"},
		{"bad cursor", "GET", "/api/todos?cursor=bm90LWEtY3Vyc29y", nil, nil, 400, "cursor"},
		{"bad attachment name", "PUT", "/api/todos/" + td.ID + "/attachments/..secret", []byte("x"), nil, 400, "name"},
		{"attachment name with slash", "PUT", "/api/todos/" + td.ID + "/attachments/a%2Fb", []byte("x"), nil, 400, "name"},
		{"too large", "PUT", "/api/todos/" + td.ID + "/attachments/big.bin", bytes.Repeat([]byte("x"), todo.MaxAttachmentSize+1), nil, 413, "body"},
		{"unknown id", "GET", "/api/todos/nope", nil, nil, 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, h, b := c.do(tc.method, tc.path, tc.body, tc.hdr)
			var e errResp
			if err := json.Unmarshal(b, &e); err != nil || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Fatalf("%d %q: not a JSON error: %s", st, h.Get("Content-Type"), b)
			}
			if st != tc.status || e.Error.Field != tc.field || e.Error.Message == "" {
				t.Errorf("got %d field %q (%s); want %d field %q", st, e.Error.Field, e.Error.Message, tc.status, tc.field)
			}
		})
	}
	var got todo.Todo
	c.json("GET", "/api/todos/"+td.ID, nil, 200, &got)
	if got.Title != "ok" || len(got.Attachments) != 0 {
		t.Errorf("bad requests changed the to-do: %+v", got)
	}
	st, _, _ := c.do("GET", "/api/todos/"+td.ID+"/attachments/big.bin", nil, nil)
	if st != 404 {
		t.Errorf("a rejected upload left an object behind (%d)", st)
	}
	anon := &client{t: t, env: env}
	if st, h, _ := anon.do("GET", "/api/todos", nil, nil); st != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("anonymous: %d %q; want 401 with a Bearer challenge", st, h.Get("WWW-Authenticate"))
	}
	bad := &client{t: t, env: env, token: env.Token("dave") + "x"}
	if st, _, _ := bad.do("GET", "/api/todos", nil, nil); st != 401 {
		t.Errorf("tampered token: %d; want 401", st)
	}
}

func TestPagination(t *testing.T) {
	env := localtest.Start(t, todo.App, nil)
	c := &client{t: t, env: env, token: env.Token("erin")}
	want := map[string]bool{}
	for i := range 7 {
		var td todo.Todo
		c.json("POST", "/api/todos", map[string]string{"title": fmt.Sprint("t", i)}, 201, &td)
		want[td.ID] = true
	}
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		var l listResp
		c.json("GET", "/api/todos?limit=3&cursor="+cursor, nil, 200, &l)
		pages++
		for _, it := range l.Items {
			if seen[it.ID] {
				t.Fatalf("item %s on two pages", it.ID)
			}
			seen[it.ID] = true
		}
		if l.NextCursor == "" {
			break
		}
		cursor = l.NextCursor
	}
	if pages != 3 || len(seen) != len(want) {
		t.Errorf("%d pages, %d items; want 3 pages and all %d items", pages, len(seen), len(want))
	}
}
