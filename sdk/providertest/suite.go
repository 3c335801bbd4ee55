package providertest

import (
	"context"
	"github.com/faaskit/faas/sdk/provider"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest/capp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
)

// Run runs the whole conformance suite against h.
func Run(t *testing.T, h Harness) {
	t.Helper()
	dir := t.TempDir()
	records, recordsURL := openDir(t, filepath.Join(dir, "records"))
	_, uploadsURL := openDir(t, filepath.Join(dir, "uploads"))
	env := map[string]string{
		provider.EnvVar(sdk.KindBucket, capp.RecordsBucket): recordsURL,
		provider.EnvVar(sdk.KindBucket, capp.UploadsBucket): uploadsURL,
		provider.EnvVar(sdk.KindTopic, capp.InboxTopic):     "mem://inbox",
	}
	s := &suite{target: h.Start(t, env), records: records}
	t.Run("HTTP", s.testHTTP)
	t.Run("HTTPConcurrent", s.testConcurrent)
	t.Run("Message", s.testMessage)
	t.Run("Blob", s.testBlob)
	t.Run("Schedule", s.testSchedule)
	t.Run("ForgedTriggers", s.testForgedTriggers)
}

type suite struct {
	target  Target
	records *blob.Bucket
}

func openDir(t *testing.T, dir string) (*blob.Bucket, string) {
	t.Helper()
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{CreateDir: true})
	if err != nil {
		t.Fatalf("providertest: open %s: %v", dir, err)
	}
	t.Cleanup(func() { b.Close() })
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}
	return b, u.String()
}

func ctxFor(t *testing.T) context.Context { return t.Context() }
