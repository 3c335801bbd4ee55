package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxRead bounds how much of any response the tool keeps.
const maxRead = 4 << 20

// target is the running faas dev server the tool talks to.
type target struct {
	url     string // http://127.0.0.1:PORT
	dataDir string
	hc      *http.Client
}

// newTarget returns a target for url with a client keeping conns idle
// connections (one per load worker).
func newTarget(baseURL, dataDir string, conns int) (*target, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("attack: target URL: %w", err)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("attack: target %s is not a loopback address; the tool only attacks loopback", baseURL)
	}
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute}
	return &target{url: strings.TrimSuffix(baseURL, "/"), dataDir: dataDir, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

// reply is one response, or the transport error that replaced it.
type reply struct {
	status int
	body   []byte
	header http.Header
	err    error
}

// req describes one HTTP request to the target.
type req struct {
	method string
	path   string // appended to the target URL verbatim
	token  string // bearer token, "" for none
	body   []byte
	bodyR  io.Reader // streamed body instead of body (size unknown: chunked)
	header map[string]string
}

// do sends r and reads at most maxRead bytes of the answer.
func (t *target) do(ctx context.Context, r req) reply {
	var body io.Reader
	if r.bodyR != nil {
		body = r.bodyR
	} else if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequestWithContext(ctx, r.method, t.url+r.path, body)
	if err != nil {
		return reply{err: err}
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.body != nil && r.header["Content-Type"] == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		if strings.EqualFold(k, "Host") {
			hr.Host = v
			continue
		}
		hr.Header.Set(k, v)
	}
	resp, err := t.hc.Do(hr)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxRead))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<20))
	return reply{status: resp.StatusCode, body: b, header: resp.Header, err: err}
}

// raw writes a hand-made request on a new connection and reads one
// response. A connection closed without an answer is status 0, err nil
// (the server refused to go on), which callers count as refused.
// The connection is given wait to answer.
func (t *target) raw(ctx context.Context, request []byte, wait time.Duration) reply {
	u, _ := url.Parse(t.url)
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return reply{err: err}
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wait))
	request = bytes.ReplaceAll(request, []byte("{host}"), []byte(u.Host))
	if _, err := c.Write(request); err != nil && !isReset(err) {
		return reply{err: err}
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF || isReset(err) {
			return reply{} // closed without an answer
		}
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxRead))
	return reply{status: resp.StatusCode, body: b, header: resp.Header}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe")
}

// token gets an access token for user from the dev issuer's password
// grant (a form post, which the issuer accepts from loopback callers).
func (t *target) token(ctx context.Context, user string) (string, error) {
	form := url.Values{"grant_type": {"password"}, "username": {user}}
	r := t.do(ctx, req{method: "POST", path: "/_faas/oidc/token", body: []byte(form.Encode()),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	if r.err != nil {
		return "", fmt.Errorf("attack: token for %s: %w", user, r.err)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &tr) != nil || tr.AccessToken == "" {
		return "", fmt.Errorf("attack: token for %s: status %d: %.200s", user, r.status, r.body)
	}
	return tr.AccessToken, nil
}

// todo is the part of a to-do the tool reads back.
type todo struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Revision    string            `json:"revision"`
	Attachments []json.RawMessage `json:"attachments"`
}

// create makes a to-do titled title for the token's user.
func (t *target) create(ctx context.Context, token, title string) (todo, error) {
	b, _ := json.Marshal(map[string]string{"title": title})
	r := t.do(ctx, req{method: "POST", path: "/api/todos", token: token, body: b})
	var td todo
	if r.err != nil {
		return td, r.err
	}
	if r.status != http.StatusCreated || json.Unmarshal(r.body, &td) != nil || td.ID == "" {
		return td, fmt.Errorf("create: status %d: %.200s", r.status, r.body)
	}
	return td, nil
}

// listAll pages through every to-do of the token's user.
func (t *target) listAll(ctx context.Context, token string) ([]json.RawMessage, error) {
	var all []json.RawMessage
	cursor := ""
	for page := 0; page < 100000; page++ {
		p := "/api/todos?status=all&limit=100"
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		r := t.do(ctx, req{method: "GET", path: p, token: token})
		if r.err != nil {
			return nil, r.err
		}
		var lr struct {
			Items []json.RawMessage `json:"items"`
			Next  string            `json:"next_cursor"`
		}
		if r.status != http.StatusOK || json.Unmarshal(r.body, &lr) != nil {
			return nil, fmt.Errorf("list: status %d: %.200s", r.status, r.body)
		}
		all = append(all, lr.Items...)
		if lr.Next == "" {
			return all, nil
		}
		cursor = lr.Next
	}
	return nil, fmt.Errorf("list: more than 100000 pages")
}
