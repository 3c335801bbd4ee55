package sqlitedocstore

import (
	"context"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"time"

	"gocloud.dev/docstore"
	"gocloud.dev/gcerrors"
)

// Scheme is the URL scheme sqlitedocstore registers its URLOpener under on
// docstore.DefaultURLMux.
const Scheme = "sqlite"

func init() {
	docstore.DefaultURLMux().RegisterCollection(Scheme, &URLOpener{})
}

// URLOpener opens collection URLs like
//
//	sqlite:///abs/path/to/db.sqlite?collection=todos&key=id
//	sqlite://./relative/db.sqlite?collection=todos&key=id
//
// The URL's host and path together name the database file; a relative path
// is resolved against the working directory. Query parameters:
//
//   - collection (required): the collection (table) name.
//   - key (required): the name of the document field holding the key.
//   - revision_field (optional): overrides Options.RevisionField.
//   - busy_timeout (optional): overrides Options.BusyTimeout; a Go duration
//     such as "10s".
//
// Any other parameter is an error.
type URLOpener struct {
	// Options are the defaults for collections opened by this opener.
	Options Options
}

// OpenCollectionURL opens the collection described by u.
func (o *URLOpener) OpenCollectionURL(ctx context.Context, u *url.URL) (*docstore.Collection, error) {
	path, name, key, opts, err := o.parseURL(u)
	if err != nil {
		return nil, err
	}
	return OpenCollection(ctx, path, name, key, &opts)
}

// parseURL extracts OpenCollection's arguments from u.
func (o *URLOpener) parseURL(u *url.URL) (path, name, key string, opts Options, err error) {
	opts = o.Options
	bad := func(format string, args ...any) error {
		return newError(gcerrors.InvalidArgument, "open collection %s: "+format, append([]any{u.Redacted()}, args...)...)
	}
	if u.Scheme != Scheme {
		return "", "", "", opts, bad("scheme is %q, want %q", u.Scheme, Scheme)
	}
	path = u.Opaque // sqlite:rel/db.sqlite
	if path == "" {
		path = u.Host + u.Path
	}
	if runtime.GOOS == "windows" && len(path) >= 3 && path[0] == '/' && path[2] == ':' {
		path = path[1:] // sqlite:///C:/dir/db.sqlite
	}
	if path == "" {
		return "", "", "", opts, bad("missing database path")
	}
	q := u.Query()
	for param, vals := range q {
		if len(vals) != 1 {
			return "", "", "", opts, bad("query parameter %q given %d times", param, len(vals))
		}
	}
	name, key = q.Get("collection"), q.Get("key")
	if name == "" {
		return "", "", "", opts, bad(`missing query parameter "collection"`)
	}
	if key == "" {
		return "", "", "", opts, bad(`missing query parameter "key"`)
	}
	if v := q.Get("revision_field"); v != "" {
		opts.RevisionField = v
	}
	if v := q.Get("busy_timeout"); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d <= 0 {
			return "", "", "", opts, bad("invalid busy_timeout %q: want a positive duration such as 5s", v)
		}
		opts.BusyTimeout = d
	}
	for _, p := range []string{"collection", "key", "revision_field", "busy_timeout"} {
		q.Del(p)
	}
	if len(q) > 0 {
		var unknown []string
		for p := range q {
			unknown = append(unknown, p)
		}
		slices.Sort(unknown)
		return "", "", "", opts, bad("unknown query parameter(s) %s", strings.Join(unknown, ", "))
	}
	return path, name, key, opts, nil
}
