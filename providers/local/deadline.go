package local

import (
	"io"
	"net/http"
	"time"
)

// withBodyDeadline gives every request with a body d to send it: the
// connection's read deadline is set when the handler starts and cleared
// when the body has been read to its end, so a client that stalls mid-body
// is cut off (its reads fail and the connection closes) while a handler
// that runs long after reading the body is not. (http.Server.ReadTimeout
// would also cancel the context of every request that lasts longer than
// the timeout, through the server's background read.) Requests without a
// body get no deadline for the same reason.
func withBodyDeadline(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 {
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(d)) == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody clears the connection's read deadline at the body's end.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
