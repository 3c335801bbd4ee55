package todotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/examples/todo"
)

// Store is a running to-do app over one document store, as ListsAndPurge
// drives it.
type Store struct {
	API    *API              // the app's HTTP API
	Tokens map[string]string // bearer tokens of "alice" and "bob"
	// Purge runs the purge schedule once, as its trigger would at tick.
	Purge func(tick time.Time)
	// Stored reads the store itself and returns those of ids it holds a
	// document of (deleted to-dos included), sorted.
	Stored func(ids []string) []string
}

// ListsAndPurge runs the to-do's queries against s: alice creates ten
// to-dos and bob three; alice completes three; three are deleted before a
// cutoff and one after. Every list view of each user then pages (by its
// cursor, a few items a page) through exactly the live to-dos it should
// show, newest first; the purge at the cutoff's retention removes exactly
// the three deleted before it, and a later one the fourth. What the store
// was asked (its indexes, no scans) is for the caller to check afterwards.
func ListsAndPurge(t testing.TB, s Store) {
	t.Helper()
	call := func(method, path, user, body string, wantStatus int, out any) {
		t.Helper()
		ct := ""
		if body != "" {
			ct = "application/json"
		}
		status, b := s.API.Call(method, path, s.Tokens[user], ct, body)
		if status != wantStatus {
			t.Fatalf("%s %s as %s: %d %s; want %d", method, path, user, status, b, wantStatus)
		}
		if out != nil {
			if err := json.Unmarshal([]byte(b), out); err != nil {
				t.Fatalf("%s %s: %v: %s", method, path, err, b)
			}
		}
	}
	mk := func(user string, n int) []todo.Todo {
		var out []todo.Todo
		for i := range n {
			var td todo.Todo
			call("POST", "/api/todos", user, fmt.Sprintf(`{"title":"%s %d"}`, user, i), http.StatusCreated, &td)
			out = append(out, td)
		}
		return out
	}
	al, bo := mk("alice", 10), mk("bob", 3)
	for _, i := range []int{1, 4, 7} {
		call("PATCH", "/api/todos/"+al[i].ID, "alice", `{"done":true}`, http.StatusOK, nil)
		al[i].Done = true
	}
	call("DELETE", "/api/todos/"+al[2].ID, "alice", "", http.StatusNoContent, nil)
	call("DELETE", "/api/todos/"+al[8].ID, "alice", "", http.StatusNoContent, nil)
	call("DELETE", "/api/todos/"+bo[0].ID, "bob", "", http.StatusNoContent, nil)
	mid := time.Now().UTC() // the purge's cutoff below: after these three deletions
	call("DELETE", "/api/todos/"+al[5].ID, "alice", "", http.StatusNoContent, nil)

	// live lists tds newest first, ties by ID, keeping what keep keeps
	// and leaving out the to-dos at the indexes gone.
	live := func(tds []todo.Todo, keep func(todo.Todo) bool, gone ...int) []string {
		ordered := slices.Clone(tds)
		slices.SortFunc(ordered, func(a, b todo.Todo) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		var ids []string
		for _, td := range ordered {
			if keep(td) && !slices.ContainsFunc(gone, func(i int) bool { return tds[i].ID == td.ID }) {
				ids = append(ids, td.ID)
			}
		}
		return ids
	}
	all := func(todo.Todo) bool { return true }
	open := func(td todo.Todo) bool { return !td.Done }
	done := func(td todo.Todo) bool { return td.Done }
	for _, tc := range []struct {
		user, view string
		limit      int
		want       []string
		pages      int
	}{
		{"alice", "all", 3, live(al, all, 2, 5, 8), 3}, // 3, 3 and 1: the third by two cursors
		{"alice", "open", 3, live(al, open, 2, 5, 8), 2},
		{"alice", "done", 3, live(al, done, 2, 5, 8), 1},
		{"bob", "all", 1, live(bo, all, 0), 2},
	} {
		var got []string
		cursor, pages := "", 0
		for {
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
				Next string `json:"next_cursor"`
			}
			call("GET", fmt.Sprintf("/api/todos?status=%s&limit=%d&cursor=%s", tc.view, tc.limit, cursor), tc.user, "", http.StatusOK, &page)
			pages++
			if len(page.Items) > tc.limit || (page.Next != "" && len(page.Items) != tc.limit) {
				t.Fatalf("%s's %s page %d: %d items, next cursor %q; want %d with a cursor or at most %d without", tc.user, tc.view, pages, len(page.Items), page.Next, tc.limit, tc.limit)
			}
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			if cursor = page.Next; cursor == "" || pages > 10 {
				break
			}
		}
		if !slices.Equal(got, tc.want) || pages != tc.pages {
			t.Errorf("%s's %s list, %d a page: %q in %d page(s); want %q in %d", tc.user, tc.view, tc.limit, got, pages, tc.want, tc.pages)
		}
	}

	// The purge at the tick that makes mid its cutoff: the three to-dos
	// deleted before mid go, everything else stays. A tick after the last
	// deletion's retention then takes that one too.
	var ids []string
	for _, td := range append(slices.Clone(al), bo...) {
		ids = append(ids, td.ID)
	}
	except := func(gone ...string) []string {
		var kept []string
		for _, id := range ids {
			if !slices.Contains(gone, id) {
				kept = append(kept, id)
			}
		}
		slices.Sort(kept)
		return kept
	}
	s.Purge(mid.Add(todo.PurgeAfter))
	if got, want := s.Stored(ids), except(al[2].ID, al[8].ID, bo[0].ID); !slices.Equal(got, want) {
		t.Errorf("after the purge with cutoff %v the store holds %q; want %q (all but the three deleted before it)", mid, got, want)
	}
	s.Purge(time.Now().Add(todo.PurgeAfter + time.Minute))
	if got, want := s.Stored(ids), except(al[2].ID, al[8].ID, bo[0].ID, al[5].ID); !slices.Equal(got, want) {
		t.Errorf("after the second purge the store holds %q; want %q", got, want)
	}
}
