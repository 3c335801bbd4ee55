package todo_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/providers/local/devbind"
	"github.com/faaskit/faas/providers/local/localtest"
)

// TestAttachmentKeysStayWithTheirOwner gives users subjects that held
// '/', '..' and '%2F' (any issuer may issue them, and
// FAAS_AUTH_USER_CLAIM may pick a claim that holds them): none can reach
// into another user's attachments, and every user's objects lie under
// their own prefix.
func TestAttachmentKeysStayWithTheirOwner(t *testing.T) {
	is := newIssuer(t)
	env := is.start(t)
	alice := &client{t: t, env: env, token: is.token(t, "alice")}
	var a todo.Todo
	alice.json("POST", "/api/todos", map[string]string{"title": "mine"}, 201, &a)
	if st, _, b := alice.do("PUT", "/api/todos/"+a.ID+"/attachments/a.txt", []byte("alice's"), nil); st != 201 {
		t.Fatalf("alice's upload: %d %s", st, b)
	}
	subs := []string{"alice/" + a.ID, "alice/" + a.ID + "/..", "../alice", "alice/../alice", "..", "alice%2F" + a.ID, "alice%2f" + a.ID + "%2F", "ALICE", "alice/"}
	for _, sub := range subs {
		eve := &client{t: t, env: env, token: is.token(t, sub)}
		var e todo.Todo
		eve.json("POST", "/api/todos", map[string]string{"title": "planted"}, 201, &e)
		if st, _, b := eve.do("PUT", "/api/todos/"+e.ID+"/attachments/x.txt", []byte(sub), nil); st != 201 {
			t.Fatalf("%q's upload: %d %s", sub, st, b)
		}
		if st, _, _ := eve.do("PUT", "/api/todos/"+a.ID+"/attachments/evil.txt", []byte("x"), nil); st != 404 {
			t.Errorf("%q uploaded to alice's to-do: %d", sub, st)
		}
	}
	env.WaitIdle(10 * time.Second)
	var atts struct{ Items []todo.Attachment }
	alice.json("GET", "/api/todos/"+a.ID+"/attachments", nil, 200, &atts)
	if len(atts.Items) != 1 || atts.Items[0].Name != "a.txt" {
		t.Errorf("alice's attachments %+v; want only a.txt", atts.Items)
	}
	var got todo.Todo
	alice.json("GET", "/api/todos/"+a.ID, nil, 200, &got)
	if len(got.Attachments) != 1 || got.Attachments[0].Name != "a.txt" {
		t.Errorf("alice's to-do records %+v; want only a.txt", got.Attachments)
	}
	// Every user's objects are under one top-level prefix of their own.
	entries, err := os.ReadDir(devbind.BlobDir(env.DataDir, todo.AttachmentsBucket))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1+len(subs) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("bucket top level %q; want one prefix per user (%d)", names, 1+len(subs))
	}
	// Alice's delete takes her attachments only.
	if st, _, _ := alice.do("DELETE", "/api/todos/"+a.ID, nil, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	env.WaitIdle(10 * time.Second)
	for _, sub := range subs {
		eve := &client{t: t, env: env, token: is.token(t, sub)}
		var l listResp
		eve.json("GET", "/api/todos", nil, 200, &l)
		if len(l.Items) != 1 {
			t.Fatalf("%q lists %d to-dos; want their 1", sub, len(l.Items))
		}
		st, _, b := eve.do("GET", "/api/todos/"+l.Items[0].ID+"/attachments/x.txt", nil, nil)
		if st != 200 || string(b) != sub {
			t.Errorf("%q's attachment after alice's delete: %d %q", sub, st, b)
		}
	}
}

// TestReservedSuffixNames stores names ending in ".attrs", the suffix the
// local blob store keeps for itself, like any other name.
func TestReservedSuffixNames(t *testing.T) {
	env := localtest.Start(t, todo.App, nil)
	c := &client{t: t, env: env, token: env.Token("ivan")}
	var td todo.Todo
	c.json("POST", "/api/todos", map[string]string{"title": "t"}, 201, &td)
	base := "/api/todos/" + td.ID + "/attachments/"
	for _, name := range []string{"x.attrs", "report.pdf.attrs", "attrs"} {
		if st, _, b := c.do("PUT", base+name, []byte("data of "+name), nil); st != 201 {
			t.Fatalf("PUT %s: %d %s", name, st, b)
		}
		if st, _, b := c.do("GET", base+name, nil, nil); st != 200 || string(b) != "data of "+name {
			t.Errorf("GET %s: %d %q", name, st, b)
		}
	}
	var atts struct{ Items []todo.Attachment }
	c.json("GET", base[:len(base)-1], nil, 200, &atts)
	if len(atts.Items) != 3 {
		t.Errorf("attachments %+v; want the 3 uploaded", atts.Items)
	}
	for _, name := range []string{"x.attrs", "report.pdf.attrs", "attrs"} {
		if st, _, b := c.do("DELETE", base+name, nil, nil); st != 204 {
			t.Errorf("DELETE %s: %d %s", name, st, b)
		}
		if st, _, _ := c.do("GET", base+name, nil, nil); st != 404 {
			t.Errorf("GET %s after delete: %d; want 404", name, st)
		}
	}
}

// TestHostileInput sends malformed and hostile bodies and names: each gets
// a 4xx JSON error naming the field, in the API's words, and changes nothing.
func TestHostileInput(t *testing.T) {
	env := localtest.Start(t, todo.App, nil)
	c := &client{t: t, env: env, token: env.Token("judy")}
	var td todo.Todo
	c.json("POST", "/api/todos", map[string]string{"title": "ok"}, 201, &td)
	item := "/api/todos/" + td.ID
	cases := []struct {
		name, method, path string
		body               string
		status             int
		field              string
	}{
		{"trailing brace", "POST", "/api/todos", `{"title":"a"}}`, 400, "body"},
		{"second object", "POST", "/api/todos", `{"title":"a"} {"title":"b"}`, 400, "body"},
		{"trailing garbage", "PATCH", item, `{"title":"a"}x`, 400, "body"},
		{"array", "POST", "/api/todos", `[]`, 400, "body"},
		{"string", "POST", "/api/todos", `"title"`, 400, "body"},
		{"null", "PATCH", item, `null`, 400, "body"},
		{"number", "POST", "/api/todos", `5`, 400, "body"},
		{"empty", "POST", "/api/todos", ``, 400, "body"},
		{"truncated", "POST", "/api/todos", `{"title":"a"`, 400, "body"},
		{"title array", "POST", "/api/todos", `{"title":["a"]}`, 400, "title"},
		{"title object", "POST", "/api/todos", `{"title":{"a":1}}`, 400, "title"},
		{"done string", "PATCH", item, `{"done":"yes"}`, 400, "done"},
		{"NUL", "POST", "/api/todos", `{"title":"a\u0000b"}`, 400, "title"},
		{"raw NUL escape in notes", "POST", "/api/todos", `{"title":"a","notes":"x\u0000"}`, 400, "notes"},
		{"control", "POST", "/api/todos", `{"title":"bell\u0007"}`, 400, "title"},
		{"invalid UTF-8", "POST", "/api/todos", "{\"title\":\"a\xffb\"}", 400, "title"},
		{"invalid UTF-8 in notes", "PATCH", item, "{\"title\":\"fine\",\"notes\":\"\xc3\"}", 400, "notes"},
		{"lone surrogate", "POST", "/api/todos", `{"title":"\ud800"}`, 400, "title"},
		{"bidi override", "POST", "/api/todos", `{"title":"invoice\u202egpj.exe"}`, 400, "title"},
		{"bidi isolate in notes", "POST", "/api/todos", `{"title":"a","notes":"\u2067x"}`, 400, "notes"},
		{"zero-width only", "POST", "/api/todos", `{"title":"\u200b\u200c\u200d\u2060\ufeff"}`, 400, "title"},
		{"spaces only", "PATCH", item, `{"title":"\u3000\u00a0 \t"}`, 400, "title"},
		{"filler only", "POST", "/api/todos", `{"title":"\u3164"}`, 400, "title"},
		{"unknown field", "POST", "/api/todos", `{"title":"a","owner":"eve"}`, 400, "owner"},
		{"too large", "POST", "/api/todos", `{"title":"a","notes":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "body"},
		{"name of one space", "PUT", item + "/attachments/%20", "x", 400, "name"},
		{"name ending in a space", "PUT", item + "/attachments/a.txt%20", "x", 400, "name"},
		{"name starting with a space", "PUT", item + "/attachments/%20a.txt", "x", 400, "name"},
		{"name of spaces", "GET", item + "/attachments/%20%20", "", 400, "name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = []byte(tc.body)
			}
			hdr := map[string]string{"Content-Type": "application/json"}
			if tc.method == "PUT" || tc.method == "GET" {
				hdr = nil
			}
			st, h, b := c.do(tc.method, tc.path, body, hdr)
			var e errResp
			if err := json.Unmarshal(b, &e); err != nil || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Fatalf("%d %q: not a JSON error: %s", st, h.Get("Content-Type"), b)
			}
			if st != tc.status || e.Error.Field != tc.field || e.Error.Message == "" {
				t.Errorf("got %d field %q (%s); want %d field %q", st, e.Error.Field, e.Error.Message, tc.status, tc.field)
			}
			for _, goWord := range []string{"todo.", "Request", "struct", "map[", "*string", "json:", "Go "} {
				if strings.Contains(e.Error.Message, goWord) {
					t.Errorf("message %q speaks Go (%q), not the API", e.Error.Message, goWord)
				}
			}
		})
	}
	var l listResp
	c.json("GET", "/api/todos", nil, 200, &l)
	if len(l.Items) != 1 || l.Items[0].Title != "ok" || l.Items[0].Notes != "" || l.Items[0].Revision != td.Revision {
		t.Errorf("hostile requests changed the data: %+v", l.Items)
	}
	// A title with inner zero-width and bidi marks (not overrides) is fine.
	c.json("POST", "/api/todos", map[string]string{"title": "שלום\u200fworld\u200b!"}, 201, nil)
}

// TestAPIPathsAnswerJSON: paths that ServeMux would redirect to their
// clean form, and unknown ones, get a JSON 4xx, with or without a token.
func TestAPIPathsAnswerJSON(t *testing.T) {
	env := localtest.Start(t, todo.App, nil)
	signedIn := &client{t: t, env: env, token: env.Token("kim")}
	var td todo.Todo
	signedIn.json("POST", "/api/todos", map[string]string{"title": "t"}, 201, &td)
	for _, who := range []*client{{t: t, env: env}, signedIn} {
		for _, p := range []string{
			"/api//todos",
			"/api/todos/" + td.ID + "/attachments/../x",
			"/api/./todos",
			"/api/todos/" + td.ID + "/..",
			"//api/todos",
			"/api/todos/%2E%2E/x",
			"/api",
			"/api/nope",
		} {
			for _, method := range []string{"GET", "POST", "DELETE"} {
				st, h, b := who.do(method, p, nil, nil)
				var e errResp
				if st < 400 || st >= 500 || json.Unmarshal(b, &e) != nil || e.Error.Code == "" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
					t.Errorf("%s %s (token %v): %d %q %s; want a JSON 4xx", method, p, who.token != "", st, h.Get("Content-Type"), b)
				}
			}
		}
	}
}

// hiddenLength hides a body's length so the client sends it chunked.
type hiddenLength struct{ io.Reader }

// TestUploadsStream: an upload without a Content-Length that runs over
// the limit gets 413 and leaves nothing behind, not even in place of an
// attachment it would have replaced; one at the limit is stored whole.
func TestUploadsStream(t *testing.T) {
	env := localtest.Start(t, todo.App, nil)
	c := &client{t: t, env: env, token: env.Token("lena")}
	var td todo.Todo
	c.json("POST", "/api/todos", map[string]string{"title": "t"}, 201, &td)
	put := func(name string, size int) (int, []byte) {
		req, _ := http.NewRequest("PUT", env.URL+"/api/todos/"+td.ID+"/attachments/"+name, hiddenLength{bytes.NewReader(bytes.Repeat([]byte("y"), size))})
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := env.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if st, b := put("big.bin", todo.MaxAttachmentSize+1); st != 413 || !bytes.Contains(b, []byte(`"field":"body"`)) {
		t.Errorf("chunked upload over the limit: %d %s; want 413 on body", st, b)
	}
	if st, _, _ := c.do("GET", "/api/todos/"+td.ID+"/attachments/big.bin", nil, nil); st != 404 {
		t.Errorf("a refused upload left an object (%d)", st)
	}
	if st, b := put("keep.bin", 5); st != 201 {
		t.Fatalf("small upload: %d %s", st, b)
	}
	if st, _ := put("keep.bin", todo.MaxAttachmentSize+1); st != 413 {
		t.Errorf("oversized replacement: %d; want 413", st)
	}
	if st, _, b := c.do("GET", "/api/todos/"+td.ID+"/attachments/keep.bin", nil, nil); st != 200 || string(b) != "yyyyy" {
		t.Errorf("after a refused replacement: %d %d bytes; want the original 5", st, len(b))
	}
	if st, b := put("full.bin", todo.MaxAttachmentSize); st != 201 {
		t.Fatalf("upload at the limit: %d %s", st, b)
	}
	if st, _, b := c.do("GET", "/api/todos/"+td.ID+"/attachments/full.bin", nil, nil); st != 200 || len(b) != todo.MaxAttachmentSize {
		t.Errorf("upload at the limit stored %d bytes (%d)", len(b), st)
	}
	// No temporary files are left in the bucket's directory either.
	filepath.WalkDir(devbind.BlobDir(env.DataDir, todo.AttachmentsBucket), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".attrs") {
			if fi, _ := d.Info(); fi != nil && fi.Size() != 5 && fi.Size() != todo.MaxAttachmentSize {
				t.Errorf("stray object %s of %d bytes", p, fi.Size())
			}
		}
		return nil
	})
}

// TestListPagesThroughIndexes pages each view with deleted and completed
// to-dos among the live ones, and another user's data beside them: pages
// are full until the last, none is empty, and a cursor made the way the
// API always made them still works.
func TestListPagesThroughIndexes(t *testing.T) {
	env := localtest.Start(t, todo.App, nil)
	c := &client{t: t, env: env, token: env.Token("mia")}
	other := &client{t: t, env: env, token: env.Token("nils")}
	var ids []string // newest last
	for i := range 9 {
		var td todo.Todo
		c.json("POST", "/api/todos", map[string]string{"title": fmt.Sprint("t", i)}, 201, &td)
		ids = append(ids, td.ID)
		other.json("POST", "/api/todos", map[string]string{"title": "other"}, 201, nil)
	}
	for _, i := range []int{1, 5} {
		if st, _, _ := c.do("DELETE", "/api/todos/"+ids[i], nil, nil); st != 204 {
			t.Fatal(st)
		}
	}
	for _, i := range []int{0, 4, 7} {
		c.json("PATCH", "/api/todos/"+ids[i], map[string]bool{"done": true}, 200, nil)
	}
	want := map[string][]int{ // indexes into ids, newest first
		"all":  {8, 7, 6, 4, 3, 2, 0},
		"open": {8, 6, 3, 2},
		"done": {7, 4, 0},
	}
	for view, idx := range want {
		for _, limit := range []int{1, 2, 3, 4, 100} {
			var got []string
			var sizes []int
			cur := ""
			for {
				var l listResp
				c.json("GET", fmt.Sprintf("/api/todos?status=%s&limit=%d&cursor=%s", view, limit, cur), nil, 200, &l)
				sizes = append(sizes, len(l.Items))
				for _, it := range l.Items {
					got = append(got, it.ID)
				}
				if l.NextCursor == "" {
					break
				}
				if len(l.Items) != limit {
					t.Errorf("%s limit %d: a page of %d before the end", view, limit, len(l.Items))
				}
				cur = l.NextCursor
			}
			var wantIDs []string
			for _, i := range idx {
				wantIDs = append(wantIDs, ids[i])
			}
			if strings.Join(got, ",") != strings.Join(wantIDs, ",") {
				t.Errorf("%s limit %d: %v; want %v", view, limit, got, wantIDs)
			}
			if sizes[len(sizes)-1] == 0 && len(sizes) > 1 {
				t.Errorf("%s limit %d: pages %v end with an empty one", view, limit, sizes)
			}
		}
	}
	// A cursor as the API has always encoded it: {"c": created_at, "i": id}.
	var first todo.Todo
	c.json("GET", "/api/todos/"+ids[8], nil, 200, &first)
	raw, _ := json.Marshal(map[string]any{"c": first.CreatedAt, "i": first.ID})
	var l listResp
	c.json("GET", "/api/todos?limit=1&cursor="+base64.RawURLEncoding.EncodeToString(raw), nil, 200, &l)
	if len(l.Items) != 1 || l.Items[0].ID != ids[7] {
		t.Errorf("after a hand-made cursor: %+v; want %s", l.Items, ids[7])
	}
	raw, _ = json.Marshal(map[string]any{"c": first.CreatedAt, "i": "../../x"})
	if st, _, _ := c.do("GET", "/api/todos?cursor="+base64.RawURLEncoding.EncodeToString(raw), nil, nil); st != 400 {
		t.Errorf("cursor with a bad ID: %d; want 400", st)
	}
}
