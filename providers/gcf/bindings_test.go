package gcf

import (
	"context"
	"github.com/faaskit/faas/sdk/provider"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/pubsub"
	"cloud.google.com/go/pubsub/pstest"
	"github.com/faaskit/faas/sdk"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	gcpubsub "gocloud.dev/pubsub"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// The GCP resource bindings are exercised through the faas env-var binding
// (provider.Bind with a nil Binder and the drivers linked by drivers.go), each against a
// real stand-in: fake-gcs-server and pstest in-process here, and the
// gcloud Firestore emulator in firestore_integration_test.go.

func TestBindingGCS(t *testing.T) {
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", PublicHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "faas-uploads"})
	t.Setenv("STORAGE_EMULATOR_HOST", strings.TrimPrefix(srv.URL(), "http://"))
	t.Setenv(provider.EnvVar(sdk.KindBucket, "uploads"), "gs://faas-uploads")

	a := sdk.New("bind", nil)
	uploads := a.Bucket("uploads", nil)
	ctx := t.Context()
	b, err := uploads.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.WithoutCancel(ctx)) })
	if err := b.WriteAll(ctx, "docs/a b.txt", []byte("hello gcs"), nil); err != nil {
		t.Fatal(err)
	}
	got, err := b.ReadAll(ctx, "docs/a b.txt")
	if err != nil || string(got) != "hello gcs" {
		t.Fatalf("read back %q, %v", got, err)
	}
	obj, err := srv.GetObject("faas-uploads", "docs/a b.txt")
	if err != nil || string(obj.Content) != "hello gcs" {
		t.Errorf("fake-gcs-server holds %q, %v; want the written bytes", obj.Content, err)
	}
}

func TestBindingPubSub(t *testing.T) {
	srv := pstest.NewServer()
	t.Cleanup(func() { srv.Close() })
	t.Setenv("PUBSUB_EMULATOR_HOST", srv.Addr)
	ctx := t.Context()
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	client, err := pubsub.NewClient(ctx, "faas-proj", option.WithGRPCConn(conn))
	if err != nil {
		t.Fatal(err)
	}
	topic, err := client.CreateTopic(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := client.CreateSubscription(ctx, "events-sub", pubsub.SubscriptionConfig{Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(provider.EnvVar(sdk.KindTopic, "events"), "gcppubsub://projects/faas-proj/topics/events")

	a := sdk.New("bind", nil)
	events := a.Topic("events", nil)
	pt, err := events.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.WithoutCancel(ctx)) })
	if err := pt.Send(ctx, &gcpubsub.Message{Body: []byte{0, 1, 2}, Metadata: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var got *pubsub.Message
	err = sub.Receive(rctx, func(_ context.Context, m *pubsub.Message) {
		m.Ack()
		got = m
		cancel()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || string(got.Data) != "\x00\x01\x02" || got.Attributes["k"] != "v" {
		t.Fatalf("received %+v; want the published bytes and attribute k=v", got)
	}
}
