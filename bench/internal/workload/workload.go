// Package workload is the to-do request every provider benchmark sends
// through faas and through its anchors, so all paths do the same work.
package workload

import (
	"encoding/json"
	"net/http"
)

// Body is the request body: POST /api/todos.
const Body = `{"title":"buy oat milk"}`

// TodoIn is the decoded request.
type TodoIn struct {
	Title string `json:"title"`
}

// TodoOut is the response document.
type TodoOut struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Done  bool   `json:"done"`
}

// Work is the handler's business logic, identical on every path.
func Work(in TodoIn) TodoOut { return TodoOut{ID: "t-1", Title: in.Title} }

// Handler is the net/http handler: it decodes the body, answers 201 with
// Content-Type, Location and a cookie, and encodes Work's result.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in TodoIn
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "/api/todos/t-1")
		http.SetCookie(w, &http.Cookie{Name: "last", Value: "t-1", Path: "/"})
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(Work(in))
	})
}
