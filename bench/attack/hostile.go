package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// hostileCase is one bad request made by alice (or anonymously) against
// her own data. raw, if set, is written to the socket as is ({host} is
// replaced); otherwise method, path, body and header make the request.
type hostileCase struct {
	name   string
	method string
	path   string // {id}: alice's to-do; {att}: its attachment's path
	body   []byte
	bodyR  func() io.Reader
	header map[string]string
	anon   bool
	raw    string
	// read is a request that changes nothing even when it succeeds (a GET
	// the server may legitimately answer), so a 2xx is not a finding.
	read bool
	// stall: the request never finishes sending its body; the server is
	// expected to wait for it (until its body timeout), so no answer within
	// a few seconds is the right outcome.
	stall bool
}

// zeroReader is an endless stream of zero bytes.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func hostileCases() []hostileCase {
	var cs []hostileCase
	post := func(name, body string) {
		cs = append(cs, hostileCase{name: "create: " + name, method: "POST", path: "/api/todos", body: []byte(body)})
	}
	patch := func(name, body string) {
		cs = append(cs, hostileCase{name: "update: " + name, method: "PATCH", path: "/api/todos/{id}", body: []byte(body)})
	}
	// JSON bodies, on create and on update.
	bodies := []struct{ name, body string }{
		{"empty body", ""},
		{"whitespace body", " \n\t "},
		{"null", "null"},
		{"array", `[]`},
		{"array of an object", `[{"title":"a"}]`},
		{"string", `"title"`},
		{"number", `42`},
		{"true", `true`},
		{"unterminated object", `{`},
		{"unterminated string", `{"title":"a`},
		{"trailing brace", `{"title":"a"}}`},
		{"second object", `{"title":"a"} {"title":"b"}`},
		{"trailing garbage", `{"title":"a"}x`},
		{"trailing null", `{"title":"a"}null`},
		{"title a number", `{"title":1}`},
		{"title an object", `{"title":{"a":1}}`},
		{"title an array", `{"title":["a"]}`},
		{"title empty", `{"title":""}`},
		{"title spaces only", `{"title":"    "}`},
		{"title zero-width only", `{"title":"\u200b\u200c\u200d\ufeff"}`},
		{"title Hangul fillers only", `{"title":"\u3164\u115f"}`},
		{"title with escaped NUL", `{"title":"a\u0000b"}`},
		{"title with a raw NUL byte", "{\"title\":\"a\x00b\"}"},
		{"title with invalid UTF-8", "{\"title\":\"a\xff\xfeb\"}"},
		{"title with an overlong encoding", "{\"title\":\"a\xc0\xafb\"}"},
		{"title with a lone surrogate", `{"title":"a\ud800b"}`},
		{"title with U+FFFD", `{"title":"a\ufffdb"}`},
		{"title with RLO bidi override", `{"title":"invoice\u202excod.exe"}`},
		{"title with LRI bidi isolate", `{"title":"a\u2066b"}`},
		{"title with BEL", `{"title":"a\u0007b"}`},
		{"title with ESC sequence", `{"title":"a\u001b[31mred"}`},
		{"title with a newline", `{"title":"a\nb"}`},
		{"title of 201 characters", `{"title":"` + strings.Repeat("x", 201) + `"}`},
		{"notes of 2001 characters", `{"title":"a","notes":"` + strings.Repeat("x", 2001) + `"}`},
		{"notes with NUL", `{"title":"a","notes":"x\u0000"}`},
		{"notes with bidi override", `{"title":"a","notes":"\u202e"}`},
		{"due not a date", `{"title":"a","due":"tomorrow"}`},
		{"due month 13", `{"title":"a","due":"2026-13-01"}`},
		{"due with a time", `{"title":"a","due":"2026-12-01T00:00:00Z"}`},
		{"due a number", `{"title":"a","due":20261201}`},
		{"unknown field", `{"title":"a","owner":"bob"}`},
		{"unknown field id", `{"title":"a","id":"00000000000000000000"}`},
		{"empty field name", `{"":1,"title":"a"}`},
		{"invalid UTF-8 field name", "{\"\xff\":1,\"title\":\"a\"}"},
		{"deep nesting", `{"title":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`},
		{"number overflow", `{"title":"a","done":1e999}`},
		{"BOM before the object", "\xef\xbb\xbf{\"title\":\"a\"}"},
		{"comment in JSON", `{"title":"a" /* c */}`},
		{"single quotes", `{'title':'a'}`},
		{"65 KiB body", `{"title":"a","notes":"` + strings.Repeat("x", 65<<10) + `"}`},
	}
	for _, b := range bodies {
		post(b.name, b.body)
		patch(b.name, b.body)
	}
	patch("done a string", `{"done":"yes"}`)
	patch("revision a number", `{"revision":123}`)
	patch("stale revision", `{"title":"x","revision":"1"}`)
	cs = append(cs,
		hostileCase{name: "update: stale If-Match", method: "PATCH", path: "/api/todos/{id}", body: []byte(`{"title":"x"}`), header: map[string]string{"If-Match": `"1"`}},
		hostileCase{name: "update: garbage If-Match", raw: "PATCH /api/todos/{id} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nIf-Match: \"\x7f\xff\r\nContent-Length: 13\r\n\r\n{\"title\":\"x\"}"},
		hostileCase{name: "create: 20 MiB streamed body", method: "POST", path: "/api/todos", bodyR: func() io.Reader { return io.LimitReader(zeroReader{}, 20<<20) }},
		hostileCase{name: "create: text/plain content type", method: "POST", path: "/api/todos", body: []byte(`{"title":"a"}`), header: map[string]string{"Content-Type": "text/plain"}},
		hostileCase{name: "create: form content type", method: "POST", path: "/api/todos", body: []byte(`title=a`), header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
		hostileCase{name: "create: multipart content type", method: "POST", path: "/api/todos", body: []byte("--b\r\n\r\n{}\r\n--b--"), header: map[string]string{"Content-Type": "multipart/form-data; boundary=b"}},
		hostileCase{name: "create: no token", method: "POST", path: "/api/todos", body: []byte(`{"title":"a"}`), anon: true},
	)

	// Paths.
	for _, p := range []struct{ m, p string }{
		{"GET", "/api//todos"}, {"GET", "/api/./todos"}, {"GET", "/api/todos/../todos"}, {"GET", "/api/todos/%2e%2e/todos"},
		{"DELETE", "/api/todos/{id}/.."}, {"DELETE", "/api/todos/{id}/"}, {"DELETE", "/api/todos/"}, {"DELETE", "/api/todos/%2e%2e"},
		{"DELETE", "/api/todos/..%2f..%2f{id}"}, {"DELETE", "/api/todos/%00"}, {"DELETE", "/api/todos/" + strings.Repeat("a", 5000)},
		{"DELETE", "/api/todos/{id}%00"}, {"DELETE", "/api/todos/{id}x"}, {"DELETE", "/api/todos/*"}, {"PATCH", "/api/todos/%20{id}"},
		{"GET", "/api/todos/{id}/attachments/..%2f..%2f..%2foidc-key.pem"}, {"GET", "/api/todos/{id}/attachments/%2e%2e"},
		{"GET", "/api/todos/{id}/attachments/x.attrs"}, {"GET", "/api/todos/{id}/attachments/receipt.txt.attrs"},
		{"GET", "/api/todos?limit=0"}, {"GET", "/api/todos?limit=-1"}, {"GET", "/api/todos?limit=101"}, {"GET", "/api/todos?limit=1e3"},
		{"GET", "/api/todos?limit=abc"}, {"GET", "/api/todos?status=deleted"}, {"GET", "/api/todos?cursor=garbage"},
		{"GET", "/api/todos?cursor=" + b64.EncodeToString([]byte(`{"c":"2020-01-01T00:00:00Z","i":"../../x"}`))},
		{"GET", "/api/todos?cursor=" + strings.Repeat("A", 100<<10)},
		{"TRACE", "/api/todos"}, {"PUT", "/api/todos"}, {"PROPFIND", "/api/todos"}, {"DELETE", "/api/todos"},
		{"POST", "/api/todos/{id}"}, {"PUT", "/api/todos/{id}"}, {"POST", "/api/stats"}, {"DELETE", "/api/stats"},
	} {
		cs = append(cs, hostileCase{name: "path: " + p.m + " " + truncate(p.p, 60), method: p.m, path: p.p})
	}

	// Attachment names and bodies.
	for _, n := range []string{"..", ".", ".hidden", "a%2Fb", "..%2F..%2Fx", "%20lead", "trail%20", "%20",
		"%00", "a%00b", "a%5Cb", "a:b", "a*b", "%3Cscript%3E", "a%0Ab", "a%E2%80%AEgpj.exe", "%C3%BC.txt", "%FF", strings.Repeat("a", 101), "con%3A"} {
		cs = append(cs, hostileCase{name: "attachment PUT name " + truncate(n, 40), method: "PUT", path: "/api/todos/{id}/attachments/" + n,
			body: []byte("data"), header: map[string]string{"Content-Type": "text/plain"}})
	}
	cs = append(cs,
		hostileCase{name: "attachment PUT over 10 MiB", method: "PUT", path: "/api/todos/{id}/attachments/big.bin",
			bodyR: func() io.Reader { return io.LimitReader(zeroReader{}, 10<<20+1) }, header: map[string]string{"Content-Type": "application/octet-stream"}},
		hostileCase{name: "attachment PUT on a missing to-do", method: "PUT", path: "/api/todos/00000000000000000000/attachments/a.txt", body: []byte("x")},
		hostileCase{name: "attachment PUT on a bad id", method: "PUT", path: "/api/todos/..%2F..%2F/attachments/a.txt", body: []byte("x")},
		hostileCase{name: "attachment DELETE traversal", method: "DELETE", path: "/api/todos/{id}/attachments/..%2Freceipt.txt"},
		hostileCase{name: "attachment DELETE missing", method: "DELETE", path: "/api/todos/{id}/attachments/nope.txt"},
	)

	// Headers and the protocol.
	cs = append(cs,
		hostileCase{name: "header: Host of another site (DNS rebinding)", method: "GET", path: "/api/todos", header: map[string]string{"Host": "attacker.example"}},
		hostileCase{name: "header: Host of another site on the issuer", method: "POST", path: "/_faas/oidc/token", anon: true,
			body: []byte("grant_type=password&username=alice"), header: map[string]string{"Host": "attacker.example", "Content-Type": "application/x-www-form-urlencoded"}},
		hostileCase{name: "header: cross-site simple POST to /_faas/publish", method: "POST", path: "/_faas/publish/events", anon: true,
			body:   []byte(`{"data":"{\"id\":\"x1\",\"type\":\"todo.created\",\"user\":\"alice\",\"todo_id\":\"x\"}"}`),
			header: map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}},
		hostileCase{name: "header: text/plain POST to /_faas/invoke/purge", method: "POST", path: "/_faas/invoke/purge", anon: true, body: []byte(`{}`), header: map[string]string{"Content-Type": "text/plain"}},
		hostileCase{name: "header: JSON POST to /_faas/invoke/purge from a foreign Origin", method: "POST", path: "/_faas/invoke/purge", anon: true, body: []byte(`{}`), header: map[string]string{"Origin": "https://evil.example"}},
		hostileCase{name: "header: Origin null on /_faas/invoke/stats", method: "POST", path: "/_faas/invoke/stats", anon: true, body: []byte(`{"data":"{}"}`), header: map[string]string{"Origin": "null"}},
		hostileCase{name: "header: Sec-Fetch-Site cross-site on the token endpoint", method: "POST", path: "/_faas/oidc/token", anon: true,
			body: []byte("grant_type=password&username=alice"), header: map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded"}},
		hostileCase{name: "header: X-HTTP-Method-Override DELETE on a GET", method: "GET", path: "/api/todos/{id}/x", header: map[string]string{"X-HTTP-Method-Override": "DELETE"}},
		hostileCase{name: "header: 2 MiB header", method: "GET", path: "/api/todos", header: map[string]string{"X-Pad": strings.Repeat("a", 2<<20)}},
		hostileCase{name: "protocol: negative Content-Length", raw: "POST /api/todos HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{\"title\":\"a\"}"},
		hostileCase{name: "protocol: two different Content-Lengths", raw: "POST /api/todos HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 13\r\nContent-Length: 5\r\n\r\n{\"title\":\"a\"}"},
		hostileCase{name: "protocol: Content-Length and chunked (smuggling)", raw: "POST /api/todos HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nPOST /api/todos HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"title\":\"s\"}"},
		hostileCase{name: "protocol: bad chunk size", raw: "POST /api/todos HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{\"title\":\"a\"}\r\n0\r\n\r\n"},
		hostileCase{name: "protocol: body shorter than Content-Length", raw: "POST /api/todos HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"title\":\"a\"}", stall: true},
		hostileCase{name: "protocol: NUL in a header value", raw: "GET /api/todos HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nX-A: a\x00b\r\n\r\n"},
		hostileCase{name: "protocol: obs-fold header", raw: "GET /api/todos HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nX-A: a\r\n b\r\n\r\n", read: true},
		hostileCase{name: "protocol: HTTP/0.9 request", raw: "GET /api/todos\r\n\r\n"},
		hostileCase{name: "protocol: HTTP/9.9", raw: "GET /api/todos HTTP/9.9\r\nHost: {host}\r\n\r\n"},
		hostileCase{name: "protocol: absolute-form URI for another host", raw: "GET http://attacker.example/api/todos HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n", read: true},
		hostileCase{name: "protocol: no Host header", raw: "GET /api/todos HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\r\n", read: true},
		hostileCase{name: "protocol: 100 KiB request line", raw: "GET /api/todos?x=" + strings.Repeat("a", 100<<10) + " HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n", read: true},
		hostileCase{name: "protocol: space in the method", raw: "G ET /api/todos HTTP/1.1\r\nHost: {host}\r\n\r\n"},
		hostileCase{name: "protocol: DELETE with a fragment", raw: "DELETE /api/todos/{id}#x HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"},
	)
	return cs
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// runHostile sends every case and snapshots alice's and bob's state around
// each one: a case whose snapshot differs changed state.
func runHostile(ctx context.Context, t *target, users map[string]string, id string) ([]attempt, []string, error) {
	before, err := t.settledSnapshot(ctx, users, 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	prev, err := t.snapshot(ctx, users, false)
	if err != nil {
		return nil, nil, err
	}
	var out []attempt
	sub := func(s string) string {
		s = strings.ReplaceAll(s, "{id}", id)
		return strings.ReplaceAll(s, "{token}", users["alice"])
	}
	for _, c := range hostileCases() {
		var r reply
		if c.raw != "" {
			wait := 15 * time.Second
			if c.stall {
				wait = 3 * time.Second
			}
			r = t.raw(ctx, []byte(sub(c.raw)), wait)
		} else {
			rq := req{method: c.method, path: sub(c.path), body: c.body, header: c.header}
			if c.bodyR != nil {
				rq.bodyR = c.bodyR()
			}
			if !c.anon {
				rq.token = users["alice"]
			}
			r = t.do(ctx, rq)
		}
		a := attempt{name: c.name, status: r.status, err: r.err}
		if c.stall && isTimeout(r.err) {
			a.err, a.note = nil, "no answer: the server waits for the rest of the body"
		}
		snap := t.snapshot
		if r.status/100 == 2 && !c.read {
			// An accepted write may fire events that change state later:
			// wait for them, so the change is charged to this case.
			snap = func(ctx context.Context, users map[string]string, _ bool) (snapshot, error) {
				return t.settledSnapshot(ctx, users, 5*time.Second)
			}
		}
		cur, err := snap(ctx, users, false)
		if err != nil {
			return nil, nil, fmt.Errorf("after %q: %w", c.name, err)
		}
		if d := diff(prev, cur); len(d) > 0 {
			a.note = "STATE CHANGED: " + strings.Join(d, ", ")
		} else if r.status/100 == 5 || ((r.status/100 == 2 || r.status/100 == 3) && !c.read) {
			a.note = fmt.Sprintf("%.160s", bytes.TrimSpace(r.body))
		}
		prev = cur
		out = append(out, a)
	}
	after, err := t.settledSnapshot(ctx, users, 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	return out, diff(before, after), nil
}
