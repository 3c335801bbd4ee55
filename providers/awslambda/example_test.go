package awslambda_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/faaskit/faas/providers/awslambda"
	"github.com/faaskit/faas/sdk"
)

// A Handler turns a raw Lambda event into a call of one app function and
// returns the raw response, as the bootstrap does for each invocation.
func ExampleHandler_Invoke() {
	app := sdk.New("hello", nil)
	app.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello %s", r.URL.Query().Get("name"))
	}), nil)
	h, err := awslambda.NewHandler(app, "web", &awslambda.HandlerOptions{Log: io.Discard})
	if err != nil {
		panic(err)
	}
	event := `{"version":"2.0","rawPath":"/","rawQueryString":"name=lambda","headers":{},
		"requestContext":{"http":{"method":"GET","path":"/"},"requestId":"r1"}}`
	out, err := h.Invoke(context.Background(), []byte(event))
	fmt.Println(string(out), err)
	// Output: {"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"hello lambda","isBase64Encoded":false} <nil>
}
