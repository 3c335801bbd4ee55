package awslambda

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestV2EventReuse: a pooled event that last held an unusual payload (one
// that zeroes the decoder's links into it, or carries an authorizer)
// decodes the next event exactly as a fresh one does, raw JWT included
// (an absent authorizer may read as an empty one, as reset documents).
func TestV2EventReuse(t *testing.T) {
	for _, sample := range httpV2Samples {
		want, err := os.ReadFile(filepath.Join("testdata", sample))
		if err != nil {
			t.Fatal(err)
		}
		fresh := newV2Event()
		if err := fresh.decode(want); err != nil {
			t.Fatalf("%s: %v", sample, err)
		}
		for _, before := range []string{`null`, `{"requestContext":null}`, `{"requestContext":{"authorizer":null}}`,
			`{"requestContext":{"authorizer":{"jwt":{"claims":{"n":1},"scopes":["s"]},"lambda":{"k":"v"}}}}`, `{"requestContext":{"http":{"method":"PUT"}}}`} {
			e := newV2Event()
			if err := e.decode([]byte(before)); err != nil {
				t.Fatalf("%s: %v", before, err)
			}
			e.reset()
			if err := e.decode(want); err != nil {
				t.Fatalf("%s after %s: %v", sample, before, err)
			}
			if a := e.ev.RequestContext.Authorizer; a != nil && fresh.ev.RequestContext.Authorizer == nil && a.JWT == nil && a.Lambda == nil && a.IAM == nil {
				e.ev.RequestContext.Authorizer = nil // kept storage reads as empty, by design
			}
			if !reflect.DeepEqual(e.ev.RequestContext, fresh.ev.RequestContext) || e.ev.RawPath != fresh.ev.RawPath ||
				!reflect.DeepEqual(e.ev.Headers, fresh.ev.Headers) || e.hasJWT() != fresh.hasJWT() ||
				string(e.auth.JWT.Claims) != string(fresh.auth.JWT.Claims) || string(e.auth.JWT.Scopes) != string(fresh.auth.JWT.Scopes) {
				t.Errorf("%s after %s:\n got %+v (jwt %v %s %s)\nwant %+v (jwt %v %s %s)", sample, before,
					e.ev.RequestContext, e.hasJWT(), e.auth.JWT.Claims, e.auth.JWT.Scopes,
					fresh.ev.RequestContext, fresh.hasJWT(), fresh.auth.JWT.Claims, fresh.auth.JWT.Scopes)
			}
		}
	}
}
