package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// tenancyProbe is one request by another user aimed at alice's data.
type tenancyProbe struct {
	name   string
	user   string // whose token is used
	method string
	path   string
	body   []byte
	header map[string]string
}

// runTenancy has alice create to-dos with attachments, then every other
// user tries to read, change, delete and attach to them by ID, by cursor
// and by attachment path. A probe leaks when it answers 2xx with alice's
// data or a body naming her to-do, or when it changes her state.
//
// It returns the probes and how alice's state differs afterwards.
func runTenancy(ctx context.Context, t *target, users map[string]string, aliceIDs []string) ([]attempt, []string, error) {
	alice := map[string]string{"alice": users["alice"]}
	before, err := t.settledSnapshot(ctx, alice, 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	// alice's next cursor and a forged cursor at her newest to-do.
	lr := t.do(ctx, req{method: "GET", path: "/api/todos?limit=1", token: users["alice"]})
	var page struct {
		Next string `json:"next_cursor"`
	}
	json.Unmarshal(lr.body, &page)
	var probes []tenancyProbe
	others := []string{"bob", "Alice", "alice.", "alice@x", "ALICE", "mallory"}
	for _, u := range others {
		for i, id := range aliceIDs {
			p := func(name, method, path string, body []byte) {
				probes = append(probes, tenancyProbe{name: fmt.Sprintf("%s: %s (to-do %d)", u, name, i), user: u, method: method, path: path, body: body})
			}
			p("GET by id", "GET", "/api/todos/"+id, nil)
			p("PATCH title", "PATCH", "/api/todos/"+id, []byte(`{"title":"pwned"}`))
			p("PATCH done", "PATCH", "/api/todos/"+id, []byte(`{"done":true}`))
			p("DELETE", "DELETE", "/api/todos/"+id, nil)
			p("list attachments", "GET", "/api/todos/"+id+"/attachments", nil)
			p("GET attachment", "GET", "/api/todos/"+id+"/attachments/receipt.txt", nil)
			p("PUT attachment over hers", "PUT", "/api/todos/"+id+"/attachments/receipt.txt", []byte("evil"))
			p("PUT new attachment", "PUT", "/api/todos/"+id+"/attachments/malware.exe", []byte("evil"))
			p("DELETE attachment", "DELETE", "/api/todos/"+id+"/attachments/receipt.txt", nil)
			p("GET by upper-case id", "GET", "/api/todos/"+strings.ToUpper(id), nil)
		}
		probes = append(probes,
			tenancyProbe{name: u + ": list with alice's next_cursor", user: u, method: "GET", path: "/api/todos?status=all&cursor=" + url.QueryEscape(page.Next)},
			tenancyProbe{name: u + ": list with a cursor forged past alice's newest", user: u, method: "GET", path: "/api/todos?status=all&cursor=" +
				b64.EncodeToString([]byte(`{"c":"2999-01-01T00:00:00Z","i":"`+aliceIDs[0]+`"}`))},
			tenancyProbe{name: u + ": list open", user: u, method: "GET", path: "/api/todos?status=open&limit=100"},
			tenancyProbe{name: u + ": list done", user: u, method: "GET", path: "/api/todos?status=done&limit=100"},
			tenancyProbe{name: u + ": stats", user: u, method: "GET", path: "/api/stats"},
		)
	}
	var out []attempt
	for _, p := range probes {
		tok := users[p.user]
		if tok == "" {
			if tok, err = t.token(ctx, p.user); err != nil {
				return nil, nil, err
			}
			users[p.user] = tok
		}
		hdr := p.header
		if p.method == "PUT" {
			hdr = map[string]string{"Content-Type": "text/plain"}
		}
		r := t.do(ctx, req{method: p.method, path: p.path, token: tok, body: p.body, header: hdr})
		a := attempt{name: p.name, status: r.status, err: r.err}
		body := string(r.body)
		for _, id := range aliceIDs {
			if strings.Contains(body, id) || strings.Contains(body, "alice's secret") || strings.Contains(body, "paid 2.49") {
				a.note = "LEAK: the answer names alice's to-do"
			}
		}
		if strings.Contains(p.name, "stats") && r.status == 200 && !strings.Contains(body, `"created":0`) && p.user != "alice" {
			// A fresh user's stats must be zero (bob's count his own creates).
			if p.user != "bob" {
				a.note = "LEAK: stats not zero: " + body
			}
		}
		if p.method != "GET" && r.status/100 == 2 {
			a.note = strings.TrimSpace(a.note + " LEAK: a write on alice's to-do succeeded")
		}
		out = append(out, a)
	}
	after, err := t.settledSnapshot(ctx, alice, 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	return out, diff(before, after), nil
}
