package gcf

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
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
// (sdk.URLBinder and the drivers linked by drivers.go), each against a
// real stand-in: fake-gcs-server, pstest and the gcloud Firestore emulator.

func TestBindingGCS(t *testing.T) {
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", PublicHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "faas-uploads"})
	t.Setenv("STORAGE_EMULATOR_HOST", strings.TrimPrefix(srv.URL(), "http://"))
	t.Setenv(sdk.EnvVar(sdk.KindBucket, "uploads"), "gs://faas-uploads")

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
	t.Setenv(sdk.EnvVar(sdk.KindTopic, "events"), "gcppubsub://projects/faas-proj/topics/events")

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

func TestBindingFirestore(t *testing.T) {
	host := startFirestoreEmulator(t)
	t.Setenv("FIRESTORE_EMULATOR_HOST", host)
	t.Setenv(sdk.EnvVar(sdk.KindCollection, "todos"), "firestore://projects/faas-proj/databases/(default)/documents/todos?name_field=id")

	a := sdk.New("bind", nil)
	todos := a.Collection("todos", nil)
	ctx := t.Context()
	c, err := todos.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.WithoutCancel(ctx)) })
	type todo struct {
		ID    string `docstore:"id"`
		Title string `docstore:"title"`
		Done  bool   `docstore:"done"`
	}
	if err := c.Put(ctx, &todo{ID: "t1", Title: "write tests"}); err != nil {
		t.Fatal(err)
	}
	got := todo{ID: "t1"}
	if err := c.Get(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if got.Title != "write tests" || got.Done {
		t.Errorf("got %+v; want the stored todo", got)
	}
}

// startFirestoreEmulator runs the gcloud Firestore emulator's java process
// directly (one PID) on a free loopback port and stops it at cleanup.
func startFirestoreEmulator(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("dpkg", "-L", "google-cloud-cli-firestore-emulator").Output()
	jar := ""
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasSuffix(l, "/cloud-firestore-emulator.jar") {
			jar = l
		}
	}
	java, jerr := exec.LookPath("java")
	if err != nil || jar == "" || jerr != nil {
		t.Fatalf("the Firestore emulator is not installed (dpkg -L google-cloud-cli-firestore-emulator: %v; java: %v): install it with `apt-get install google-cloud-cli-firestore-emulator` (Google Cloud SDK apt repository) or `gcloud components install cloud-firestore-emulator`", err, jerr)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(java, "-Duser.language=en", "-cp", jar, "com.google.cloud.datastore.emulator.firestore.CloudFirestore", "start", "--host=127.0.0.1", "--port="+port)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Dev App Server is now running") {
				close(ready)
				for sc.Scan() {
				}
				return
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatal("Firestore emulator not ready after 60s")
	}
	return fmt.Sprintf("127.0.0.1:%s", port)
}
