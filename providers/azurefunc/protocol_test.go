package azurefunc_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/sdk"
)

func TestScalar(t *testing.T) {
	cases := []struct{ raw, want string }{
		{`"\"4e77\""`, "4e77"}, // string serialized twice
		{`"1"`, "1"},           // int serialized
		{`1`, "1"},             // a plain number
		{`"2023-10-12T20:13:49"`, "2023-10-12T20:13:49"},
		{`"\"2023-10-12T20:13:49Z\""`, "2023-10-12T20:13:49Z"},
		{`null`, ""},
		{``, ""},
		{`"plain"`, "plain"},
	}
	for _, c := range cases {
		if got := azurefunc.Scalar(json.RawMessage(c.raw)); got != c.want {
			t.Errorf("Scalar(%s) = %q; want %q", c.raw, got, c.want)
		}
	}
}

func TestBytes(t *testing.T) {
	cases := []struct{ raw, want string }{
		{`"aGVsbG8="`, "hello"},              // byte[] → base64
		{`"\"hello world\""`, "hello world"}, // string serialized once more (not base64: has a space)
		{`{"a":1}`, `{"a":1}`},               // an object the host parsed
		{`"not base64!"`, "not base64!"},     // plain text
		{`""`, ""},
	}
	for _, c := range cases {
		if got := string(azurefunc.Bytes(json.RawMessage(c.raw))); got != c.want {
			t.Errorf("Bytes(%s) = %q; want %q", c.raw, got, c.want)
		}
	}
}

func TestEncodeOutputSurvivesHostDecode(t *testing.T) {
	// "test" is valid base64: the host would decode it to 3 bytes. Encoded
	// deliberately, the host's decode gives the original back.
	for _, s := range []string{"test", "", "\x00\xff binary"} {
		enc := azurefunc.EncodeOutput([]byte(s))
		if got := string(azurefunc.Bytes(json.RawMessage(`"` + enc + `"`))); got != s {
			t.Errorf("round trip of %q: %q", s, got)
		}
	}
}

func TestNCRONTAB(t *testing.T) {
	cases := []struct {
		expr, want, err string
	}{
		{"rate(5 minutes)", "0 */5 * * * *", ""},
		{"rate(1 minute)", "0 */1 * * * *", ""},
		{"rate(30 minutes)", "0 */30 * * * *", ""},
		{"rate(1 hour)", "0 0 * * * *", ""},
		{"rate(6 hours)", "0 0 */6 * * *", ""},
		{"rate(1 day)", "0 0 0 * * *", ""},
		{"cron(0 3 * * *)", "0 0 3 * * *", ""},
		{"@daily", "0 0 0 * * *", ""},
		{"*/10 8-18 * * 1-5", "0 */10 8-18 * * 1-5", ""},
		{"rate(7 minutes)", "", "cannot fire every 7m0s"},
		{"rate(90 minutes)", "", "cannot fire every 1h30m0s"},
		{"rate(5 hours)", "", "cannot fire every 5h0m0s"},
		{"rate(2 days)", "", "cannot fire every 48h0m0s"},
	}
	for _, c := range cases {
		s, err := sdk.ParseSchedule(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		got, err := azurefunc.NCRONTAB(s)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("NCRONTAB(%s) = %q, %v; want an error containing %q", c.expr, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("NCRONTAB(%s) = %q, %v; want %q", c.expr, got, err, c.want)
		}
		if n := len(strings.Fields(got)); n != 6 {
			t.Errorf("NCRONTAB(%s) = %q has %d fields; want 6", c.expr, got, n)
		}
	}
}

func TestRoute(t *testing.T) {
	cases := []struct{ path, want string }{
		{"/", "{*path}"},
		{"/admin", "admin/{*path}"},
		{"/v1/items/", "v1/items/{*path}"},
		{"/a{b}", ""},
	}
	for _, c := range cases {
		got, err := azurefunc.Route(c.path)
		if (c.want == "") != (err != nil) || got != c.want {
			t.Errorf("Route(%q) = %q, %v; want %q", c.path, got, err, c.want)
		}
	}
}

func TestEnqueuedTimeLayouts(t *testing.T) {
	// EnqueuedTimeUtc arrives with or without a zone (none means UTC) and
	// sometimes JSON-quoted once more.
	want := time.Date(2023, 10, 12, 20, 13, 49, 640000000, time.UTC)
	for _, v := range []string{`"2023-10-12T20:13:49.64"`, `"2023-10-12T20:13:49.640Z"`, `"\"2023-10-12T20:13:49.64+00:00\""`} {
		s := &seen{}
		h, _ := newHandler(t, s, nil)
		body := `{"Data":{"msg":"eA=="},"Metadata":{"EnqueuedTimeUtc":` + v + `}}`
		req := httptest.NewRequest(http.MethodPost, triggerPath("msg"), strings.NewReader(body))
		req.Header.Set(azurefunc.HeaderInvocationID, "inv")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !s.msg.PublishTime.Equal(want) {
			t.Errorf("EnqueuedTimeUtc %s: status %d, publish time %v; want %v", v, rec.Code, s.msg.PublishTime, want)
		}
	}
}
