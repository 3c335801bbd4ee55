// Package app is a faas app in its own module, written by hand: it imports
// a sibling package, embeds a file, and records topic messages in a
// collection.
package app

import (
	"context"
	_ "embed"
	"errors"
	"net/http"

	"example.com/shop/greet"
	"github.com/faaskit/faas/sdk"
	"gocloud.dev/gcerrors"
)

//go:embed static/banner.txt
var banner string

type order struct {
	ID   string `docstore:"id" json:"id"`
	Data string `docstore:"data" json:"data"`
}

// App builds the shop app.
func App() *sdk.App {
	a := sdk.New("shop", nil)
	orders := a.Collection("orders", nil)
	a.Topic("placed", nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /greet", func(w http.ResponseWriter, r *http.Request) {
		sdk.WriteJSON(w, http.StatusOK, map[string]string{"message": greet.Hello(r.URL.Query().Get("name")) + " " + banner})
	})
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		c, err := orders.Open(r.Context())
		if err != nil {
			sdk.WriteError(w, err)
			return
		}
		o := &order{ID: r.PathValue("id")}
		if err := c.Get(r.Context(), o); gcerrors.Code(err) == gcerrors.NotFound {
			sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "no order %q", o.ID))
			return
		} else if err != nil {
			sdk.WriteError(w, err)
			return
		}
		sdk.WriteJSON(w, http.StatusOK, o)
	})
	a.HTTP("api", mux, nil)
	a.Message("record", "placed", func(ctx context.Context, m *sdk.Message) error {
		c, err := orders.Open(ctx)
		if err != nil {
			return err
		}
		id := string(m.Data)
		if id == "" {
			return errors.New("empty order id")
		}
		return c.Put(ctx, &order{ID: id, Data: "placed:" + id})
	}, nil)
	return a
}
