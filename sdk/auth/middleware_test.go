package auth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/sdk"
)

// whoami answers with the caller's user ID, or "anonymous".
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, ok := sdk.UserID(r.Context())
	if !ok {
		id = "anonymous"
	}
	fmt.Fprint(w, id)
})

func TestMiddleware(t *testing.T) {
	ti := newTestIssuer(t)
	valid := ti.sign(t, ti.claims())
	expired := ti.claims()
	expired["exp"] = unix(-10 * time.Minute)

	tests := []struct {
		name       string
		optional   bool
		header     []string // Authorization values
		wantStatus int
		wantBody   string // for 200
		wantCode   string // JSON error code otherwise
		wantChall  string // WWW-Authenticate prefix; "" means none
	}{
		{name: "valid", header: []string{"Bearer " + valid}, wantStatus: 200, wantBody: "user-123"},
		{name: "lower-case scheme", header: []string{"bearer " + valid}, wantStatus: 200, wantBody: "user-123"},
		{name: "missing", wantStatus: 401, wantCode: "unauthenticated", wantChall: "Bearer"},
		{name: "basic scheme", header: []string{"Basic YWxpY2U6eA=="}, wantStatus: 401, wantCode: "unauthenticated", wantChall: "Bearer"},
		{name: "empty bearer", header: []string{"Bearer "}, wantStatus: 401, wantCode: "unauthenticated", wantChall: `Bearer error="invalid_token"`},
		{name: "two tokens", header: []string{"Bearer a.b.c d.e.f"}, wantStatus: 401, wantCode: "unauthenticated", wantChall: `Bearer error="invalid_token"`},
		{name: "two headers", header: []string{"Bearer " + valid, "Bearer " + valid}, wantStatus: 401, wantCode: "unauthenticated", wantChall: `Bearer error="invalid_token"`},
		{name: "garbage token", header: []string{"Bearer xyz"}, wantStatus: 401, wantCode: "unauthenticated", wantChall: `Bearer error="invalid_token", error_description="malformed token"`},
		{name: "expired", header: []string{"Bearer " + ti.sign(t, expired)}, wantStatus: 401, wantCode: "unauthenticated", wantChall: `Bearer error="invalid_token", error_description="token expired"`},
		{name: "optional: anonymous", optional: true, wantStatus: 200, wantBody: "anonymous"},
		{name: "optional: valid", optional: true, header: []string{"Bearer " + valid}, wantStatus: 200, wantBody: "user-123"},
		{name: "optional: bad token is still rejected", optional: true, header: []string{"Bearer xyz"}, wantStatus: 401, wantCode: "unauthenticated", wantChall: `Bearer error="invalid_token"`},
		{name: "optional: other scheme is rejected", optional: true, header: []string{"Basic YWxpY2U6eA=="}, wantStatus: 401, wantCode: "unauthenticated", wantChall: "Bearer"},
	}
	v := newTestVerifier(t, ti, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := v.Middleware(whoami)
			if tt.optional {
				h = v.Optional(whoami)
			}
			req := httptest.NewRequest("GET", "/me", nil)
			for _, a := range tt.header {
				req.Header.Add("Authorization", a)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkResponse(t, rec, tt.wantStatus, tt.wantBody, tt.wantCode, tt.wantChall)
		})
	}
}

func TestMiddlewareIssuerDown(t *testing.T) {
	ti := newTestIssuer(t)
	v := newTestVerifier(t, ti, Config{})
	token := ti.sign(t, ti.claims())
	ti.srv.Close()
	req := httptest.NewRequest("GET", "/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	v.Middleware(whoami).ServeHTTP(rec, req)
	checkResponse(t, rec, 503, "", "unavailable", "")
	if strings.Contains(rec.Body.String(), "127.0.0.1") {
		t.Errorf("503 body leaks the cause: %s", rec.Body)
	}
}

func checkResponse(t *testing.T, rec *httptest.ResponseRecorder, status int, body, code, chall string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d (body %s)", rec.Code, status, rec.Body)
	}
	gotChall := rec.Header().Get("WWW-Authenticate")
	if chall == "" && gotChall != "" || !strings.HasPrefix(gotChall, chall) {
		t.Errorf("WWW-Authenticate = %q, want prefix %q", gotChall, chall)
	}
	if chall == "Bearer" && gotChall != "Bearer" {
		t.Errorf("WWW-Authenticate = %q, want a bare challenge", gotChall)
	}
	if status == 200 {
		if rec.Body.String() != body {
			t.Errorf("body = %q, want %q", rec.Body, body)
		}
		return
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var eb sdk.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	// A 503's text is withheld by sdk.WriteError (stable message and request ID).
	if eb.Error.Code != code || (status != 503 && !strings.HasPrefix(eb.Error.Message, "auth: ")) || (status == 503 && eb.Error.RequestID == "") {
		t.Errorf("error = %+v, want code %q", eb.Error, code)
	}
}
