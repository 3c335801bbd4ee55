package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/faaskit/faas/sdk/internal/seam"
)

// App is the unit users build: named functions and named resources. Create
// one with New, declare everything, and hand it to a provider. An App is safe
// for concurrent use once registration is over.
type App struct {
	name string

	funcs     []*Function
	byName    map[string]*Function
	resources []*resource
	resByName map[string]*resource
	errs      []error

	bindMu sync.Mutex
	binder binder
	lookup func(string) (string, bool)
}

// Options configures an App. Reserved for future settings; pass nil.
type Options struct{}

// validName reports whether name is 1-49 lower-case letters, digits and
// '-', starting with a letter and not ending with '-'. (A hand-written
// check: a package-level regexp would be compiled on every cold start.)
func validName(name string) bool {
	if len(name) == 0 || len(name) > 49 || name[0] < 'a' || name[0] > 'z' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// New returns an empty App named name (lower-case letters, digits and '-').
func New(name string, _ *Options) *App {
	a := &App{name: name, byName: map[string]*Function{}, resByName: map[string]*resource{}}
	if !validName(name) {
		a.errf("app name %q: use 1-49 lower-case letters, digits and '-', starting with a letter", name)
	}
	return a
}

// Name returns the app's name.
func (a *App) Name() string { return a.name }

func (a *App) errf(format string, args ...any) {
	a.errs = append(a.errs, fmt.Errorf(format, args...))
}

func (a *App) addFunction(f *Function) *Function {
	if !validName(f.name) {
		a.errf("function %q: name must be 1-49 lower-case letters, digits and '-', starting with a letter", f.name)
	}
	if _, dup := a.byName[f.name]; dup {
		a.errf("function %q: registered twice", f.name)
	} else {
		a.byName[f.name] = f
	}
	a.funcs = append(a.funcs, f)
	return f
}

// HTTP registers an HTTP function serving h under opts.Path (default "/").
func (a *App) HTTP(name string, h http.Handler, opts *HTTPOptions) *Function {
	f := &Function{name: name, kind: KindHTTP, http: h, path: "/"}
	if opts != nil {
		f.opts = opts.withDefaults()
		if opts.Path != "" {
			f.path = opts.Path
		}
	} else {
		f.opts = (*FunctionOptions)(nil).withDefaults()
	}
	if h == nil {
		a.errf("function %q: nil http.Handler", name)
	}
	if !strings.HasPrefix(f.path, "/") {
		a.errf("function %q: path %q must start with '/'", name, f.path)
	}
	for _, g := range a.funcs {
		if g.kind == KindHTTP && g.path == f.path && g.name != name {
			a.errf("function %q: path %q is already served by %q", name, f.path, g.name)
		}
	}
	return a.addFunction(f)
}

// Message registers a Message function subscribed to the named topic.
func (a *App) Message(name, topic string, h MessageHandler, opts *MessageOptions) *Function {
	f := &Function{name: name, kind: KindMessage, topic: topic, message: h, maxAttempts: 5}
	if opts != nil {
		f.opts = opts.withDefaults()
		if opts.MaxAttempts < 0 {
			a.errf("function %q: MaxAttempts %d must not be negative", name, opts.MaxAttempts)
		} else if opts.MaxAttempts > 0 {
			f.maxAttempts = opts.MaxAttempts
		}
	} else {
		f.opts = (*FunctionOptions)(nil).withDefaults()
	}
	if h == nil {
		a.errf("function %q: nil MessageHandler", name)
	}
	return a.addFunction(f)
}

// BlobEvent registers a function called when objects in the named bucket are
// created or deleted.
func (a *App) BlobEvent(name, bucket string, h BlobHandler, opts *BlobOptions) *Function {
	f := &Function{name: name, kind: KindBlob, bucket: bucket, blob: h, blobEvents: []BlobEventKind{BlobCreated, BlobDeleted}}
	if opts != nil {
		f.opts = opts.withDefaults()
		f.prefix = opts.Prefix
		if len(opts.Events) > 0 {
			f.blobEvents = slices.Clone(opts.Events)
			for _, k := range opts.Events {
				if k != BlobCreated && k != BlobDeleted {
					a.errf("function %q: unknown blob event kind %q (want %q or %q)", name, k, BlobCreated, BlobDeleted)
				}
			}
		}
	} else {
		f.opts = (*FunctionOptions)(nil).withDefaults()
	}
	if h == nil {
		a.errf("function %q: nil BlobHandler", name)
	}
	return a.addFunction(f)
}

// Schedule registers a function called on the schedule expr; see
// ParseSchedule for the accepted forms.
func (a *App) Schedule(name, expr string, h ScheduleHandler, opts *ScheduleOptions) *Function {
	f := &Function{name: name, kind: KindSchedule, schedFun: h}
	if opts != nil {
		f.opts = opts.withDefaults()
	} else {
		f.opts = (*FunctionOptions)(nil).withDefaults()
	}
	s, err := ParseSchedule(expr)
	if err != nil {
		a.errf("function %q: %w", name, err)
	}
	f.schedule = s
	if h == nil {
		a.errf("function %q: nil ScheduleHandler", name)
	}
	return a.addFunction(f)
}

func (a *App) addResource(name string, kind ResourceKind, spec *CollectionSpec, url string) *resource {
	if !validName(name) {
		a.errf("%s %q: name must be 1-49 lower-case letters, digits and '-', starting with a letter", kind, name)
	}
	if old, dup := a.resByName[name]; dup {
		a.errf("%s %q: declared twice (first as a %s)", kind, name, old.kind)
		return &resource{app: a, name: name, kind: kind, spec: spec, url: url}
	}
	r := &resource{app: a, name: name, kind: kind, spec: spec, url: url}
	a.resByName[name] = r
	a.resources = append(a.resources, r)
	return r
}

// Bucket declares a blob bucket.
func (a *App) Bucket(name string, opts *ResourceOptions) *Bucket {
	var url string
	if opts != nil {
		url = opts.URL
	}
	return &Bucket{a.addResource(name, KindBucket, nil, url)}
}

// Collection declares a document collection.
func (a *App) Collection(name string, opts *CollectionOptions) *Collection {
	spec := &CollectionSpec{Name: name, KeyField: "id"}
	var url string
	if opts != nil {
		url = opts.URL
		if opts.KeyField != "" {
			spec.KeyField = opts.KeyField
		}
		spec.Indexes = append([]Index(nil), opts.Indexes...)
		spec.ExpiryField = opts.ExpiryField
	}
	for _, p := range spec.check() {
		a.errf("collection %q: %s", name, p)
	}
	return &Collection{a.addResource(name, KindCollection, spec, url)}
}

// Topic declares a pub/sub topic.
func (a *App) Topic(name string, opts *ResourceOptions) *Topic {
	var url string
	if opts != nil {
		url = opts.URL
	}
	return &Topic{a.addResource(name, KindTopic, nil, url)}
}

// AddError records a problem the app found while building itself, such as
// missing configuration, so that Err reports it at start with the others.
func (a *App) AddError(err error) {
	if err != nil {
		a.errs = append(a.errs, err)
	}
}

// Err reports every registration mistake at once (duplicate names, triggers
// on undeclared resources, bad schedules, ...), or nil. Providers call it
// before serving and refuse to start on error.
func (a *App) Err() error {
	errs := slices.Clone(a.errs)
	for _, f := range a.funcs {
		switch f.kind {
		case KindMessage:
			errs = append(errs, a.checkTrigger(f, KindTopic, f.topic))
		case KindBlob:
			errs = append(errs, a.checkTrigger(f, KindBucket, f.bucket))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sdk: app %q has registration errors:\n%w", a.name, err)
	}
	return nil
}

func (a *App) checkTrigger(f *Function, kind ResourceKind, name string) error {
	r, ok := a.resByName[name]
	switch {
	case !ok:
		return fmt.Errorf("function %q: triggered by undeclared %s %q", f.name, kind, name)
	case r.kind != kind:
		return fmt.Errorf("function %q: triggered by %q, which is a %s, not a %s", f.name, name, r.kind, kind)
	}
	return nil
}

// Functions returns the registered functions in registration order.
func (a *App) Functions() []*Function { return slices.Clone(a.funcs) }

// Function returns the function registered under name.
func (a *App) Function(name string) (*Function, bool) {
	f, ok := a.byName[name]
	return f, ok
}

// bind sets how resources are opened (provider.Bind).
func (a *App) bind(b binder, lookup func(string) (string, bool)) {
	a.bindMu.Lock()
	defer a.bindMu.Unlock()
	a.binder, a.lookup = b, lookup
}

func (a *App) binding(r *resource) (binder, string) {
	a.bindMu.Lock()
	binder, lookup := a.binder, a.lookup
	a.bindMu.Unlock()
	if binder == nil {
		binder = urlBinder{}
	}
	if lookup == nil {
		lookup = os.LookupEnv
	}
	url := r.url
	if url == "" {
		url, _ = lookup(seam.EnvVar(string(r.kind), r.name))
	}
	return binder, url
}

// Close closes every resource opened so far. Providers call it on shutdown.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	for _, r := range a.resources {
		if err := r.close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("sdk: close %s %q: %w", r.kind, r.name, err))
		}
	}
	return errors.Join(errs...)
}
