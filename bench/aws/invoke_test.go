// Package aws benchmarks the faas AWS Lambda shim against the two usual
// ways of running Go on Lambda, on the same API Gateway HTTP API (payload
// 2.0) event doing the same work: decode a JSON body, answer 201 with a
// JSON body, a header and a cookie.
//
//   - BenchmarkInvoke/faas: awslambda.Handler.Invoke (the shim's whole
//     per-invocation path: event decode, *http.Request, net/http handler,
//     response encode).
//   - BenchmarkInvoke/native: an aws-lambda-go typed handler
//     func(ctx, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
//     through lambda.NewHandler, the path lambda.Start uses.
//   - BenchmarkInvoke/apiproxy: aws-lambda-go-api-proxy's httpadapter.NewV2
//     around the same net/http handler as faas, through lambda.NewHandler.
//
// Run with bench/run.sh aws.
package aws

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/faaskit/faas/bench/internal/workload"
	"github.com/faaskit/faas/providers/awslambda"
	"github.com/faaskit/faas/sdk"
)

// event is a realistic HTTP API v2 event: POST /api/todos with a JSON
// body, browser-like headers, two cookies and a JWT authorizer.
func event() []byte {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: "/api/todos", RawQueryString: "list=home&tag=a&tag=b",
		Cookies: []string{"session=abc123", "theme=dark"},
		Headers: map[string]string{
			"accept": "application/json", "accept-encoding": "gzip, deflate, br", "accept-language": "en-US,en;q=0.9",
			"authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.c2lnbmF0dXJl", "content-length": "27",
			"content-type": "application/json", "host": "abc123.execute-api.us-east-1.amazonaws.com",
			"origin": "https://todo.example.com", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
			"x-amzn-trace-id": "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c", "x-forwarded-for": "203.0.113.7",
			"x-forwarded-port": "443", "x-forwarded-proto": "https",
		},
		QueryStringParameters: map[string]string{"list": "home", "tag": "a,b"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "$default", AccountID: "123456789012", Stage: "$default", RequestID: "JKJaXmPLvHcESHA=", APIID: "abc123",
			DomainName: "abc123.execute-api.us-east-1.amazonaws.com", DomainPrefix: "abc123",
			Time: "23/Nov/2026:03:00:00 +0000", TimeEpoch: 1795410000000,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/api/todos", Protocol: "HTTP/1.1", SourceIP: "203.0.113.7", UserAgent: "Mozilla/5.0"},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "u-1", "email": "u@example.com", "iss": "https://issuer.example.com", "exp": "1795413600"},
				Scopes: []string{"todo.write"},
			}},
		},
		Body: `{"title":"write benchmarks"}`,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

// httpHandler is the net/http version, used by faas and the proxy.
func httpHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in workload.TodoIn
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		http.SetCookie(w, &http.Cookie{Name: "last", Value: "t-1", Path: "/"})
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(workload.Work(in))
	})
}

// native is the aws-lambda-go typed handler doing the same work.
func native(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in workload.TodoIn
	if err := json.Unmarshal([]byte(req.Body), &in); err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest, Body: err.Error()}, nil
	}
	body, err := json.Marshal(workload.Work(in))
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusCreated,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Cookies:    []string{"last=t-1; Path=/"},
		Body:       string(body) + "\n",
	}, nil
}

func invokeContext(b *testing.B) context.Context {
	ctx := lambdacontext.NewContext(b.Context(), &lambdacontext.LambdaContext{AwsRequestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd"})
	//nolint:staticcheck // aws-lambda-go's own key
	ctx = context.WithValue(ctx, "x-amzn-trace-id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c")
	ctx, cancel := context.WithDeadline(ctx, time.Now().Add(time.Hour))
	b.Cleanup(cancel)
	return ctx
}

func faasHandler(b *testing.B) lambda.Handler {
	app := sdk.New("bench", nil)
	app.HTTP("web", httpHandler(), nil)
	h, err := awslambda.NewHandler(app, "web", &awslambda.HandlerOptions{Log: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

func BenchmarkInvoke(b *testing.B) {
	payload := event()
	adapter := httpadapter.NewV2(httpHandler())
	paths := []struct {
		name string
		h    lambda.Handler
	}{
		{"faas", faasHandler(b)},
		{"native", lambda.NewHandler(native)},
		{"apiproxy", lambda.NewHandler(adapter.ProxyWithContext)},
	}
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			ctx := invokeContext(b)
			out, err := p.h.Invoke(ctx, payload)
			if err != nil {
				b.Fatal(err)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 201 || resp.Body != `{"id":"t-1","title":"write benchmarks","done":false}`+"\n" {
				b.Fatalf("%s answered %s (%v)", p.name, out, err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if _, err := p.h.Invoke(ctx, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
