package devbind

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/gcerrors"
	"gocloud.dev/pubsub/driver"
)

// sinkTopic is a gocloud pubsub driver that hands messages to a Sink.
type sinkTopic struct {
	name string
	sink Sink
}

var _ driver.Topic = (*sinkTopic)(nil)

// SendBatch implements driver.Topic.
func (t *sinkTopic) SendBatch(ctx context.Context, ms []*driver.Message) error {
	out := make([]*sdk.Message, len(ms))
	now := time.Now().UTC()
	for i, m := range ms {
		if m.BeforeSend != nil {
			if err := m.BeforeSend(func(any) bool { return false }); err != nil {
				return err
			}
		}
		attrs := make(map[string]string, len(m.Metadata))
		for k, v := range m.Metadata {
			attrs[k] = v
		}
		out[i] = &sdk.Message{ID: newID(), Topic: t.name, Data: m.Body, Attributes: attrs, PublishTime: now}
	}
	return t.sink.Publish(ctx, t.name, out)
}

// IsRetryable implements driver.Topic.
func (*sinkTopic) IsRetryable(error) bool { return false }

// As implements driver.Topic.
func (*sinkTopic) As(any) bool { return false }

// ErrorAs implements driver.Topic.
func (*sinkTopic) ErrorAs(error, any) bool { return false }

// ErrorCode implements driver.Topic.
func (*sinkTopic) ErrorCode(err error) gcerrors.ErrorCode {
	switch {
	case errors.Is(err, context.Canceled):
		return gcerrors.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return gcerrors.DeadlineExceeded
	}
	return gcerrors.Unknown
}

// Close implements driver.Topic.
func (*sinkTopic) Close() error { return nil }

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
