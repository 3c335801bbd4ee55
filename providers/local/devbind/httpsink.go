package devbind

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/faaskit/faas/sdk"
)

// Hook paths on the dev server that HTTPSink posts to.
const (
	HookPublish = "/_faas/hook/publish"
	HookBlob    = "/_faas/hook/blob"
)

// PublishRequest is the body of a HookPublish call.
type PublishRequest struct {
	Topic    string         `json:"topic"`
	Messages []*sdk.Message `json:"messages"`
}

// HTTPSink is a Sink for an app running in another process than the dev
// server: it posts each report to the server's hook endpoints.
type HTTPSink struct {
	BaseURL string // the dev server, e.g. http://127.0.0.1:8080
	Client  *http.Client
}

// Publish implements Sink.
func (s *HTTPSink) Publish(ctx context.Context, topic string, msgs []*sdk.Message) error {
	return s.post(ctx, HookPublish, PublishRequest{Topic: topic, Messages: msgs})
}

// BlobChanged implements Sink.
func (s *HTTPSink) BlobChanged(ctx context.Context, e *sdk.BlobEvent) error {
	return s.post(ctx, HookBlob, e)
}

func (s *HTTPSink) post(ctx context.Context, path string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("devbind: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("devbind: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("devbind: post %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("devbind: post %s: %s: %s", path, resp.Status, bytes.TrimSpace(b))
	}
	return nil
}
