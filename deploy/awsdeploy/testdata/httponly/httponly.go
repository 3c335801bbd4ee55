// Package httponly is an app with one HTTP function and no resources, so
// its bootstrap needs none of the AWS drivers.
package httponly

import (
	"net/http"

	"github.com/faaskit/faas/sdk"
)

// App builds the app.
func App() *sdk.App {
	a := sdk.New("httponly", nil)
	a.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sdk.WriteJSON(w, http.StatusOK, map[string]string{"hello": "world"})
	}), nil)
	return a
}
