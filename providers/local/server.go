package local

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/faaskit/faas/providers/local/broker"
	"github.com/faaskit/faas/providers/local/devbind"
	"github.com/faaskit/faas/providers/local/devoidc"
	"github.com/faaskit/faas/sdk"
)

// Paths served by the dev Server next to the app.
const (
	PathPrefix  = "/_faas/"
	IssuerPath  = "/_faas/oidc"
	HealthPath  = "/_faas/healthz"
	DevAudience = "faas-dev"
)

// ServerOptions configures a Server.
type ServerOptions struct {
	// DataDir holds the queue, the issuer's key and (via devbind) the stores.
	DataDir string
	// BaseURL is where the server is reachable, e.g. http://127.0.0.1:8080.
	BaseURL string
	Logger  *slog.Logger
	// Broker tunes retries; MaxAttempts defaults to each function's setting.
	Broker broker.Options
	// Clock is the scheduler's time source; nil means the system clock.
	// Tests pass a clock they move by hand.
	Clock Clock
	// ReadHeaderTimeout bounds reading a request's headers (Serve).
	// Default 10s.
	ReadHeaderTimeout time.Duration
	// BodyTimeout bounds reading a request's body, counted from the end of
	// its headers; a client that has not sent it all by then is cut off
	// (Serve). Default 60s: a 10 MiB upload at 1.4 Mbit/s.
	BodyTimeout time.Duration
}

// Server is the provider-neutral dev server. It implements devbind.Sink.
type Server struct {
	manifest *sdk.Manifest
	d        Dispatcher
	broker   *broker.Broker
	issuer   *devoidc.Issuer
	log      *slog.Logger
	started  time.Time
	clock    Clock
	baseURL  string // ServerOptions.BaseURL
	baseHost string // its host name, also accepted in Host headers

	readHeaderTimeout, bodyTimeout time.Duration
}

var _ devbind.Sink = (*Server)(nil)

// NewServer returns a Server for the app described by m whose invocations d runs.
func NewServer(ctx context.Context, m *sdk.Manifest, d Dispatcher, opts *ServerOptions) (*Server, error) {
	if opts == nil || opts.DataDir == "" || opts.BaseURL == "" {
		return nil, errors.New("local: NewServer needs DataDir and BaseURL")
	}
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("local: data dir: %w", err)
	}
	s := &Server{manifest: m, d: d, log: opts.Logger, started: time.Now(), clock: opts.Clock, baseURL: opts.BaseURL,
		readHeaderTimeout: cmp.Or(opts.ReadHeaderTimeout, 10*time.Second), bodyTimeout: cmp.Or(opts.BodyTimeout, time.Minute)}
	if u, err := url.Parse(opts.BaseURL); err == nil {
		s.baseHost = u.Hostname()
	}
	if s.clock == nil {
		s.clock = systemClock{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	var err error
	s.issuer, err = devoidc.New(opts.BaseURL+IssuerPath, &devoidc.Options{KeyFile: filepath.Join(opts.DataDir, "oidc-key.pem"), Audience: DevAudience})
	if err != nil {
		return nil, fmt.Errorf("local: dev issuer: %w", err)
	}
	bopts := opts.Broker
	if bopts.MaxAttempts == nil {
		limits := map[string]int{}
		for _, f := range m.Functions {
			if f.Message != nil {
				limits[f.Name] = f.Message.MaxAttempts
			}
		}
		bopts.MaxAttempts = func(fn string) int {
			if n := limits[fn]; n > 0 {
				return n
			}
			return 5
		}
	}
	bopts.Logger = s.log
	s.broker, err = broker.Open(ctx, filepath.Join(opts.DataDir, "queue.sqlite"), s.deliver, &bopts)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Issuer returns the dev OIDC issuer.
func (s *Server) Issuer() *devoidc.Issuer { return s.issuer }

// Run delivers queued events and fires schedules until ctx is done.
func (s *Server) Run(ctx context.Context) error {
	go s.runSchedules(ctx)
	err := s.broker.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Close releases the queue and the dispatcher.
func (s *Server) Close() error {
	return errors.Join(s.d.Close(), s.broker.Close())
}

// Publish implements devbind.Sink: it enqueues the messages for every
// function subscribed to topic.
func (s *Server) Publish(ctx context.Context, topic string, msgs []*sdk.Message) error {
	var items []broker.Item
	for _, f := range s.manifest.Functions {
		if f.Message == nil || f.Message.Topic != topic {
			continue
		}
		for _, m := range msgs {
			payload, err := json.Marshal(m)
			if err != nil {
				return fmt.Errorf("local: publish: %w", err)
			}
			items = append(items, broker.Item{Function: f.Name, Kind: string(sdk.KindMessage), Payload: payload})
		}
	}
	return s.broker.Enqueue(ctx, items)
}

// BlobChanged implements devbind.Sink: it enqueues the event for every
// function watching the bucket.
func (s *Server) BlobChanged(ctx context.Context, e *sdk.BlobEvent) error {
	payload, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("local: blob event: %w", err)
	}
	var items []broker.Item
	for _, f := range s.manifest.Functions {
		if f.Blob == nil || f.Blob.Bucket != e.Bucket || !strings.HasPrefix(e.Key, f.Blob.Prefix) {
			continue
		}
		for _, k := range f.Blob.Events {
			if k == e.Kind {
				items = append(items, broker.Item{Function: f.Name, Kind: string(sdk.KindBlob), Payload: payload})
			}
		}
	}
	return s.broker.Enqueue(ctx, items)
}

// deliver is the broker's DeliverFunc.
func (s *Server) deliver(ctx context.Context, d broker.Delivery) error {
	switch sdk.Kind(d.Kind) {
	case sdk.KindMessage:
		var m sdk.Message
		if err := json.Unmarshal(d.Payload, &m); err != nil {
			return sdk.Wrap(sdk.CodeInvalidInput, err)
		}
		m.Attempt = d.Attempt
		return s.d.DeliverMessage(ctx, d.Function, &m)
	case sdk.KindBlob:
		var e sdk.BlobEvent
		if err := json.Unmarshal(d.Payload, &e); err != nil {
			return sdk.Wrap(sdk.CodeInvalidInput, err)
		}
		return s.d.DeliverBlob(ctx, d.Function, &e)
	}
	return sdk.Errorf(sdk.CodeInvalidInput, "local: unknown delivery kind %q", d.Kind)
}

// runSchedules fires every schedule function on time until ctx is done.
// Ticks missed while the server was down are not replayed.
func (s *Server) runSchedules(ctx context.Context) {
	type entry struct {
		name  string
		sched sdk.Schedule
		next  time.Time
	}
	var entries []*entry
	now := s.clock.Now()
	for _, f := range s.manifest.Functions {
		if f.Schedule == nil {
			continue
		}
		sched, err := sdk.ParseSchedule(f.Schedule.Expr)
		if err != nil {
			s.log.Error("local: schedule", slog.String("function", f.Name), slog.Any("error", err))
			continue
		}
		entries = append(entries, &entry{name: f.Name, sched: sched, next: sched.Next(now)})
	}
	if len(entries) == 0 {
		return
	}
	for {
		soonest := entries[0].next
		for _, e := range entries[1:] {
			if e.next.Before(soonest) {
				soonest = e.next
			}
		}
		fire, stop := s.clock.At(soonest)
		select {
		case <-ctx.Done():
			stop()
			return
		case <-fire:
		}
		now := s.clock.Now()
		for _, e := range entries {
			if e.next.After(now) {
				continue
			}
			at := e.next
			e.next = e.sched.Next(now)
			go func(name string) {
				ev := &sdk.ScheduleEvent{ID: fmt.Sprintf("%s-%d", name, at.Unix()), Time: at}
				if err := s.d.FireSchedule(ctx, name, ev); err != nil {
					s.log.Error("scheduled invocation failed", slog.String("function", name), slog.Any("error", err))
				}
			}(e.name)
		}
	}
}

// Pending reports how many deliveries are queued or in flight.
func (s *Server) Pending(ctx context.Context) (int, error) { return s.broker.Pending(ctx) }

// DeadLetters lists the deliveries that were given up on.
func (s *Server) DeadLetters(ctx context.Context) ([]broker.DeadLetter, error) {
	return s.broker.DeadLetters(ctx)
}
