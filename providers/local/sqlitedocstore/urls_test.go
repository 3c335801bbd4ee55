package sqlitedocstore

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocloud.dev/docstore"
	"gocloud.dev/gcerrors"
)

func TestURLOpenerParse(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		opener   URLOpener
		wantPath string
		wantColl string
		wantKey  string
		wantRev  string
		wantBusy time.Duration
		wantErr  string // substring; empty for success
	}{
		{
			name:     "absolute",
			url:      "sqlite:///abs/path/to/db.sqlite?collection=todos&key=id",
			wantPath: "/abs/path/to/db.sqlite", wantColl: "todos", wantKey: "id",
		},
		{
			name:     "relative with dot",
			url:      "sqlite://./rel/db.sqlite?collection=todos&key=id",
			wantPath: "./rel/db.sqlite", wantColl: "todos", wantKey: "id",
		},
		{
			name:     "relative without dot",
			url:      "sqlite://data/db.sqlite?collection=todos&key=id",
			wantPath: "data/db.sqlite", wantColl: "todos", wantKey: "id",
		},
		{
			name:     "opaque relative",
			url:      "sqlite:db.sqlite?collection=todos&key=id",
			wantPath: "db.sqlite", wantColl: "todos", wantKey: "id",
		},
		{
			name:     "escaped path",
			url:      "sqlite:///tmp/my%20dir/db.sqlite?collection=todos&key=id",
			wantPath: "/tmp/my dir/db.sqlite", wantColl: "todos", wantKey: "id",
		},
		{
			name:     "all parameters",
			url:      "sqlite:///db.sqlite?collection=todos&key=id&revision_field=Etag&busy_timeout=250ms",
			wantPath: "/db.sqlite", wantColl: "todos", wantKey: "id", wantRev: "Etag", wantBusy: 250 * time.Millisecond,
		},
		{
			name:     "opener defaults",
			url:      "sqlite:///db.sqlite?collection=todos&key=id",
			opener:   URLOpener{Options: Options{RevisionField: "Rev", BusyTimeout: time.Second}},
			wantPath: "/db.sqlite", wantColl: "todos", wantKey: "id", wantRev: "Rev", wantBusy: time.Second,
		},
		{
			name:     "URL overrides opener defaults",
			url:      "sqlite:///db.sqlite?collection=todos&key=id&revision_field=Etag",
			opener:   URLOpener{Options: Options{RevisionField: "Rev"}},
			wantPath: "/db.sqlite", wantColl: "todos", wantKey: "id", wantRev: "Etag",
		},
		{name: "missing collection", url: "sqlite:///db.sqlite?key=id", wantErr: `missing query parameter "collection"`},
		{name: "empty collection", url: "sqlite:///db.sqlite?collection=&key=id", wantErr: `missing query parameter "collection"`},
		{name: "missing key", url: "sqlite:///db.sqlite?collection=todos", wantErr: `missing query parameter "key"`},
		{name: "missing path", url: "sqlite://?collection=todos&key=id", wantErr: "missing database path"},
		{name: "unknown parameter", url: "sqlite:///db.sqlite?collection=todos&key=id&mode=ro&colour=red", wantErr: "unknown query parameter(s) colour, mode"},
		{name: "repeated parameter", url: "sqlite:///db.sqlite?collection=a&collection=b&key=id", wantErr: `query parameter "collection" given 2 times`},
		{name: "bad busy timeout", url: "sqlite:///db.sqlite?collection=todos&key=id&busy_timeout=soon", wantErr: `invalid busy_timeout "soon"`},
		{name: "negative busy timeout", url: "sqlite:///db.sqlite?collection=todos&key=id&busy_timeout=-1s", wantErr: "invalid busy_timeout"},
		{name: "wrong scheme", url: "mem:///db.sqlite?collection=todos&key=id", wantErr: `scheme is "mem"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			path, coll, key, opts, err := tc.opener.parseURL(u)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("got nil error, want one containing %q", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "sqlitedocstore: ") {
					t.Errorf("got error %q, want one starting with %q and containing %q", err, "sqlitedocstore: ", tc.wantErr)
				}
				if !errors.Is(err, gcerrors.ErrInvalidArgument) {
					t.Errorf("errors.Is(%v, gcerrors.ErrInvalidArgument) = false", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if path != tc.wantPath || coll != tc.wantColl || key != tc.wantKey || opts.RevisionField != tc.wantRev || opts.BusyTimeout != tc.wantBusy {
				t.Errorf("got (%q, %q, %q, rev %q, busy %v), want (%q, %q, %q, rev %q, busy %v)",
					path, coll, key, opts.RevisionField, opts.BusyTimeout,
					tc.wantPath, tc.wantColl, tc.wantKey, tc.wantRev, tc.wantBusy)
			}
		})
	}
}

// TestOpenCollectionURL opens collections through docstore.DefaultURLMux, so
// it also checks that the scheme is registered.
func TestOpenCollectionURL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)

	abs := filepath.Join(dir, "abs", "db.sqlite")
	for _, u := range []string{
		"sqlite://" + filepath.ToSlash(abs) + "?collection=todos&key=id",
		"sqlite://./rel/db.sqlite?collection=todos&key=id&revision_field=Etag",
	} {
		coll, err := docstore.OpenCollection(ctx, u)
		if err != nil {
			t.Fatalf("OpenCollection(%q): %v", u, err)
		}
		doc := map[string]any{"id": "a", "title": "x"}
		if err := coll.Put(ctx, doc); err != nil {
			t.Fatalf("%s: Put: %v", u, err)
		}
		if err := coll.Close(); err != nil {
			t.Fatalf("%s: Close: %v", u, err)
		}
	}
	for _, f := range []string{abs, filepath.Join(dir, "rel", "db.sqlite")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("database file not created: %v", err)
		}
	}

	if _, err := docstore.OpenCollection(ctx, "sqlite://./rel/db.sqlite?key=id"); err == nil ||
		!strings.Contains(err.Error(), `missing query parameter "collection"`) {
		t.Errorf("missing collection: got %v", err)
	}
	if _, err := docstore.OpenCollection(ctx, "sqlite://./rel/db.sqlite?collection=todos"); err == nil ||
		!strings.Contains(err.Error(), `missing query parameter "key"`) {
		t.Errorf("missing key: got %v", err)
	}
	// The collection remembers its key field.
	_, err := docstore.OpenCollection(ctx, "sqlite://./rel/db.sqlite?collection=todos&key=name")
	if !errors.Is(err, gcerrors.ErrFailedPrecondition) || !strings.Contains(err.Error(), `has key field "id", not "name"`) {
		t.Errorf("key field mismatch: got %v", err)
	}
}
