package local

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/faaskit/faas/providers/local/devbind"
	"github.com/faaskit/faas/sdk"
)

// InvokeRequest is the body of POST /_faas/invoke/{function} and
// POST /_faas/publish/{topic}. Fields apply by function kind.
type InvokeRequest struct {
	// Message: the payload as text, or as base64 in DataBase64, and attributes.
	Data       string            `json:"data,omitempty"`
	DataBase64 string            `json:"data_base64,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	// Blob event.
	Kind        sdk.BlobEventKind `json:"kind,omitempty"`
	Key         string            `json:"key,omitempty"`
	Size        int64             `json:"size,omitempty"`
	ContentType string            `json:"content_type,omitempty"`
}

// InvokeResult is the answer to an invoke or publish call.
type InvokeResult struct {
	OK          bool   `json:"ok"`
	Error       string `json:"error,omitempty"`
	Subscribers int    `json:"subscribers,omitempty"` // publish only
}

// ServeHTTP serves the /_faas/ API and the dev issuer, and passes every
// other request to the Dispatcher.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.guard(w, r) {
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, PathPrefix) {
		s.d.ServeHTTP(w, r)
		return
	}
	switch {
	case p == IssuerPath || strings.HasPrefix(p, IssuerPath+"/"):
		s.issuer.ServeHTTP(w, r)
	case p == HealthPath:
		sdk.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "app": s.manifest.App, "started": s.started.UTC()})
	case p == "/_faas/manifest":
		sdk.WriteJSON(w, http.StatusOK, s.manifest)
	case p == "/_faas/deadletters" && r.Method == http.MethodGet:
		dl, err := s.broker.DeadLetters(r.Context())
		if err != nil {
			sdk.WriteError(w, err)
			return
		}
		sdk.WriteJSON(w, http.StatusOK, map[string]any{"items": dl})
	case !isLoopback(r):
		sdk.WriteError(w, sdk.Errorf(sdk.CodeForbidden, "the faas dev API answers loopback clients only"))
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", "POST")
		sdk.WriteJSON(w, http.StatusMethodNotAllowed, sdk.ErrorBody{Error: sdk.ErrorDetail{Code: "invalid_input", Message: "use POST"}})
	case p == devbind.HookPublish:
		var req devbind.PublishRequest
		if !decode(w, r, &req) {
			return
		}
		if err := s.Publish(r.Context(), req.Topic, req.Messages); err != nil {
			sdk.WriteError(w, err)
			return
		}
		sdk.WriteJSON(w, http.StatusAccepted, InvokeResult{OK: true})
	case p == devbind.HookBlob:
		var e sdk.BlobEvent
		if !decode(w, r, &e) {
			return
		}
		if err := s.BlobChanged(r.Context(), &e); err != nil {
			sdk.WriteError(w, err)
			return
		}
		sdk.WriteJSON(w, http.StatusAccepted, InvokeResult{OK: true})
	case strings.HasPrefix(p, "/_faas/publish/"):
		s.servePublish(w, r, strings.TrimPrefix(p, "/_faas/publish/"))
	case strings.HasPrefix(p, "/_faas/invoke/"):
		s.serveInvoke(w, r, strings.TrimPrefix(p, "/_faas/invoke/"))
	default:
		sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "no faas dev endpoint %s", p))
	}
}

func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 32<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		sdk.WriteError(w, sdk.Errorf(sdk.CodeInvalidInput, "request body: %v", err))
		return false
	}
	return true
}

func (req *InvokeRequest) message() (*sdk.Message, error) {
	data := []byte(req.Data)
	if req.DataBase64 != "" {
		if req.Data != "" {
			return nil, sdk.FieldError("data_base64", "give data or data_base64, not both")
		}
		var err error
		if data, err = base64.StdEncoding.DecodeString(req.DataBase64); err != nil {
			return nil, sdk.FieldError("data_base64", "not valid base64: %v", err)
		}
	}
	attrs := req.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	return &sdk.Message{ID: NewID(), Data: data, Attributes: attrs, PublishTime: time.Now().UTC()}, nil
}

func (s *Server) servePublish(w http.ResponseWriter, r *http.Request, topic string) {
	var req InvokeRequest
	if !decode(w, r, &req) {
		return
	}
	n := 0
	known := false
	for _, res := range s.manifest.Resources {
		known = known || (res.Kind == sdk.KindTopic && res.Name == topic)
	}
	for _, f := range s.manifest.Functions {
		if f.Message != nil && f.Message.Topic == topic {
			n++
		}
	}
	if !known {
		sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "the app declares no topic %q", topic))
		return
	}
	m, err := req.message()
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	m.Topic = topic
	if err := s.Publish(r.Context(), topic, []*sdk.Message{m}); err != nil {
		sdk.WriteError(w, err)
		return
	}
	sdk.WriteJSON(w, http.StatusAccepted, InvokeResult{OK: true, Subscribers: n})
}

// serveInvoke delivers one event synchronously to a function, bypassing the
// queue, and reports the handler's result.
func (s *Server) serveInvoke(w http.ResponseWriter, r *http.Request, name string) {
	var fm *sdk.FunctionManifest
	for i := range s.manifest.Functions {
		if s.manifest.Functions[i].Name == name {
			fm = &s.manifest.Functions[i]
		}
	}
	if fm == nil {
		sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "the app has no function %q", name))
		return
	}
	var req InvokeRequest
	if !decode(w, r, &req) {
		return
	}
	var err error
	switch fm.Kind {
	case sdk.KindMessage:
		var m *sdk.Message
		if m, err = req.message(); err == nil {
			m.Attempt = 1
			err = s.d.DeliverMessage(r.Context(), name, m)
		}
	case sdk.KindBlob:
		kind := req.Kind
		if kind == "" {
			kind = sdk.BlobCreated
		}
		if req.Key == "" {
			sdk.WriteError(w, sdk.FieldError("key", "a blob event needs the object key"))
			return
		}
		err = s.d.DeliverBlob(r.Context(), name, &sdk.BlobEvent{Kind: kind, Bucket: fm.Blob.Bucket, Key: req.Key, Size: req.Size, ContentType: req.ContentType, Time: time.Now().UTC()})
	case sdk.KindSchedule:
		now := time.Now().UTC()
		err = s.d.FireSchedule(r.Context(), name, &sdk.ScheduleEvent{ID: NewID(), Time: now})
	default:
		sdk.WriteError(w, sdk.Errorf(sdk.CodeInvalidInput, "function %q is an HTTP function: call it with HTTP", name))
		return
	}
	if err != nil {
		sdk.WriteJSON(w, http.StatusOK, InvokeResult{OK: false, Error: err.Error()})
		return
	}
	sdk.WriteJSON(w, http.StatusOK, InvokeResult{OK: true})
}
