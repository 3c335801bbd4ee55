package providertest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest/capp"
)

func (s *suite) do(t *testing.T, method, target string, body []byte, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxFor(t), method, "http://app.invalid"+target, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("new request %s %s: %v", method, target, err)
	}
	if body == nil {
		req.Body = http.NoBody
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := s.target.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return resp, b
}

func (s *suite) echo(t *testing.T, method, target string, body []byte, hdr http.Header) (*http.Response, capp.Echo) {
	t.Helper()
	resp, b := s.do(t, method, target, body, hdr)
	var e capp.Echo
	if method != http.MethodHead && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("%s %s: status %d, body is not an echo: %v: %.200q", method, target, resp.StatusCode, err, b)
		}
	}
	return resp, e
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (s *suite) testHTTP(t *testing.T) {
	t.Run("Methods", func(t *testing.T) {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
			body := []byte("body of " + m)
			if m == "GET" || m == "OPTIONS" {
				body = nil
			}
			resp, e := s.echo(t, m, "/echo/m", body, nil)
			if resp.StatusCode != 200 || e.Method != m || e.BodyLen != len(body) || e.BodySHA256 != sha(body) {
				t.Errorf("%s: status %d, echo method %q body_len %d; want 200, %s, %d", m, resp.StatusCode, e.Method, e.BodyLen, m, len(body))
			}
		}
		resp, b := s.do(t, "HEAD", "/echo/head", nil, nil)
		if resp.StatusCode != 200 || len(b) != 0 {
			t.Errorf("HEAD: status %d with %d body bytes; want 200 and none", resp.StatusCode, len(b))
		}
	})
	t.Run("PathAndQuery", func(t *testing.T) {
		cases := []struct {
			target, path, escaped string
			query                 map[string][]string
		}{
			{"/echo/plain?a=1", "/echo/plain", "/echo/plain", map[string][]string{"a": {"1"}}},
			{"/echo/a%2Fb/c%20d?q=x%26y&q=z&empty=", "/echo/a/b/c d", "/echo/a%2Fb/c%20d", map[string][]string{"q": {"x&y", "z"}, "empty": {""}}},
			{"/echo/%E2%9C%93?utf=%E2%9C%93&plus=a+b", "/echo/✓", "/echo/%E2%9C%93", map[string][]string{"utf": {"✓"}, "plus": {"a b"}}},
			{"/echo/repeat?k=1&k=2&k=3", "/echo/repeat", "/echo/repeat", map[string][]string{"k": {"1", "2", "3"}}},
		}
		for _, c := range cases {
			_, e := s.echo(t, "GET", c.target, nil, nil)
			if e.Path != c.path || e.EscapedPath != c.escaped {
				t.Errorf("%s: path %q escaped %q; want %q and %q", c.target, e.Path, e.EscapedPath, c.path, c.escaped)
			}
			for k, want := range c.query {
				if !slices.Equal(e.Query[k], want) {
					t.Errorf("%s: query[%q] = %q; want %q", c.target, k, e.Query[k], want)
				}
			}
			if len(e.Query) != len(c.query) {
				t.Errorf("%s: query has %d keys (%v); want %d", c.target, len(e.Query), e.Query, len(c.query))
			}
		}
	})
	t.Run("Headers", func(t *testing.T) {
		hdr := http.Header{"X-Repeat": {"a", "b"}, "X-Single": {"v"}, "Content-Type": {"text/plain; charset=utf-8"}}
		resp, e := s.echo(t, "POST", "/echo/h", []byte("x"), hdr)
		if got := e.Headers["X-Repeat"]; !sameValues(got, []string{"a", "b"}) {
			t.Errorf("request X-Repeat = %q; want both a and b", got)
		}
		if got := e.Headers["X-Single"]; !slices.Equal(got, []string{"v"}) {
			t.Errorf("request X-Single = %q; want [v]", got)
		}
		if got := resp.Header.Values("X-Multi"); !sameValues(got, []string{"one", "two"}) {
			t.Errorf("response X-Multi = %q; want one and two", got)
		}
	})
	t.Run("Cookies", func(t *testing.T) {
		hdr := http.Header{"Cookie": {"a=1; b=two"}}
		resp, e := s.echo(t, "GET", "/echo/c", nil, hdr)
		if e.Cookies["a"] != "1" || e.Cookies["b"] != "two" {
			t.Errorf("cookies in = %v; want a=1, b=two", e.Cookies)
		}
		got := map[string]string{}
		for _, c := range resp.Cookies() {
			got[c.Name] = c.Value
		}
		want := map[string]string{"seen-a": "1", "seen-b": "two", "session": "s1"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("Set-Cookie %s = %q; want %q (all: %q)", k, got[k], v, resp.Header.Values("Set-Cookie"))
			}
		}
		if n := len(resp.Header.Values("Set-Cookie")); n != 3 {
			t.Errorf("got %d Set-Cookie headers; want 3, each kept separately", n)
		}
	})
	t.Run("BinaryBody", func(t *testing.T) {
		body := make([]byte, 64<<10)
		for i := range body {
			body[i] = byte(i * 31)
		}
		resp, b := s.do(t, "POST", "/binary", body, http.Header{"Content-Type": {"application/octet-stream"}})
		if resp.StatusCode != 200 || !bytes.Equal(b, body) {
			t.Errorf("binary round trip: status %d, %d bytes back, equal=%v; want 200 and the same %d bytes", resp.StatusCode, len(b), bytes.Equal(b, body), len(body))
		}
	})
	t.Run("LargeBodies", func(t *testing.T) {
		const n = 5 << 20
		body := capp.Pattern(n)
		_, e := s.echo(t, "POST", "/echo/big", body, http.Header{"Content-Type": {"text/plain"}})
		if e.BodyLen != n || e.BodySHA256 != sha(body) {
			t.Errorf("5 MiB request: handler saw %d bytes; want %d intact", e.BodyLen, n)
		}
		resp, b := s.do(t, "GET", fmt.Sprintf("/big?n=%d", n), nil, nil)
		if resp.StatusCode != 200 || !bytes.Equal(b, body) {
			t.Errorf("5 MiB response: status %d, %d bytes; want 200 and %d intact", resp.StatusCode, len(b), n)
		}
	})
	t.Run("StatusClasses", func(t *testing.T) {
		for _, st := range []int{200, 201, 202, 204, 301, 302, 304, 400, 404, 409, 418, 500, 503} {
			resp, _ := s.do(t, "GET", fmt.Sprintf("/echo/s?status=%d", st), nil, nil)
			if resp.StatusCode != st {
				t.Errorf("status %d: got %d", st, resp.StatusCode)
			}
			if st >= 300 && st < 400 && st != 304 && resp.Header.Get("Location") != "/echo/redirected" {
				t.Errorf("status %d: Location %q; want /echo/redirected (redirects must not be followed)", st, resp.Header.Get("Location"))
			}
		}
	})
	t.Run("ErrorCodes", func(t *testing.T) {
		for c := sdk.CodeInvalidInput; c <= sdk.CodeInternal; c++ {
			resp, b := s.do(t, "GET", "/error?code="+c.String()+"&field=title", nil, nil)
			var body sdk.ErrorBody
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatalf("%s: error body is not JSON: %v: %q", c, err, b)
			}
			if resp.StatusCode != sdk.HTTPStatus(c) || body.Error.Code != c.String() {
				t.Errorf("%s: status %d code %q; want %d %q", c, resp.StatusCode, body.Error.Code, sdk.HTTPStatus(c), c)
			}
			if c == sdk.CodeInvalidInput && body.Error.Field != "title" {
				t.Errorf("invalid_input: field %q; want title", body.Error.Field)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: Content-Type %q; want application/json", c, resp.Header.Get("Content-Type"))
			}
		}
	})
	t.Run("PanicRecovered", func(t *testing.T) {
		resp, _ := s.do(t, "GET", "/panic", nil, nil)
		if resp.StatusCode != 500 {
			t.Errorf("panic: status %d; want 500", resp.StatusCode)
		}
		if resp, _ := s.echo(t, "GET", "/echo/after-panic", nil, nil); resp.StatusCode != 200 {
			t.Errorf("request after a panic: status %d; want 200 (the process must survive)", resp.StatusCode)
		}
	})
	t.Run("Deadline", func(t *testing.T) {
		_, b := s.do(t, "GET", "/deadline", nil, nil)
		var d struct {
			HasDeadline bool  `json:"has_deadline"`
			RemainingMS int64 `json:"remaining_ms"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("deadline body: %v: %q", err, b)
		}
		if !d.HasDeadline || d.RemainingMS <= 0 || d.RemainingMS > capp.HTTPTimeout.Milliseconds() {
			t.Errorf("deadline: has=%v remaining=%dms; want a deadline within the function's %v timeout", d.HasDeadline, d.RemainingMS, capp.HTTPTimeout)
		}
	})
	t.Run("InvocationID", func(t *testing.T) {
		ids := map[string]bool{}
		for range 3 {
			_, b := s.do(t, "GET", "/invocation", nil, nil)
			var inv map[string]string
			if err := json.Unmarshal(b, &inv); err != nil {
				t.Fatalf("invocation body: %v: %q", err, b)
			}
			if inv["id"] == "" || inv["function"] != capp.HTTPFunction || inv["provider"] == "" {
				t.Errorf("invocation = %v; want an id, function %q and a provider", inv, capp.HTTPFunction)
			}
			ids[inv["id"]] = true
		}
		if len(ids) != 3 {
			t.Errorf("3 invocations had %d distinct IDs; want 3", len(ids))
		}
	})
	t.Run("Independent", func(t *testing.T) {
		_, first := s.echo(t, "POST", "/echo/one?leak=1", []byte("first"), http.Header{"X-Leak": {"yes"}, "Cookie": {"leak=1"}})
		_, second := s.echo(t, "GET", "/echo/two", nil, nil)
		if first.Headers["X-Leak"] == nil || first.Cookies["leak"] != "1" {
			t.Fatalf("first request lost its header or cookie: %+v", first)
		}
		if second.Headers["X-Leak"] != nil || second.Cookies["leak"] != "" || second.Query["leak"] != nil || second.BodyLen != 0 {
			t.Errorf("second request saw data from the first: headers %v cookies %v query %v body %d", second.Headers, second.Cookies, second.Query, second.BodyLen)
		}
		if first.InvocationID == second.InvocationID {
			t.Errorf("two requests shared invocation ID %q", first.InvocationID)
		}
	})
}

func (s *suite) testConcurrent(t *testing.T) {
	const n = 24
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := []byte(fmt.Sprintf("request-%d-%s", i, strings.Repeat("x", i*100)))
			_, e := s.echo(t, "POST", fmt.Sprintf("/echo/c%d?i=%d", i, i), body, http.Header{"X-I": {fmt.Sprint(i)}})
			if e.Path != fmt.Sprintf("/echo/c%d", i) || !slices.Equal(e.Query["i"], []string{fmt.Sprint(i)}) ||
				!slices.Equal(e.Headers["X-I"], []string{fmt.Sprint(i)}) || e.BodySHA256 != sha(body) {
				t.Errorf("concurrent request %d got someone else's data: %+v", i, e)
			}
		}()
	}
	wg.Wait()
}

func sameValues(got, want []string) bool {
	var flat []string
	for _, g := range got {
		for _, p := range strings.Split(g, ",") {
			flat = append(flat, strings.TrimSpace(p))
		}
	}
	slices.Sort(flat)
	w := slices.Clone(want)
	slices.Sort(w)
	return slices.Equal(flat, w)
}
