package sdk

import (
	"net/http"
	"time"
)

// Kind is the kind of a function.
type Kind string

// The function kinds.
const (
	KindHTTP     Kind = "http"
	KindMessage  Kind = "message"
	KindBlob     Kind = "blob"
	KindSchedule Kind = "schedule"
)

// FunctionOptions are the settings every function kind shares.
type FunctionOptions struct {
	// Timeout bounds one invocation. Default 30s; providers cap it at their limit.
	Timeout time.Duration
	// MemoryMB is the memory to reserve where the platform asks. Default 256.
	MemoryMB int
}

// HTTPOptions configures an HTTP function.
type HTTPOptions struct {
	FunctionOptions
	// Path is the URL path prefix the function serves. Default "/".
	Path string
}

// MessageOptions configures a Message function.
type MessageOptions struct {
	FunctionOptions
	// MaxAttempts is how many deliveries a message gets before it is
	// dead-lettered. Default 5.
	MaxAttempts int
}

// BlobOptions configures a BlobEvent function.
type BlobOptions struct {
	FunctionOptions
	// Events selects the kinds delivered. Default: created and deleted.
	Events []BlobEventKind
	// Prefix, if set, restricts events to keys with this prefix.
	Prefix string
}

// ScheduleOptions configures a Schedule function.
type ScheduleOptions struct {
	FunctionOptions
}

// Function is one registered function. Providers dispatch platform events to
// it through package sdk/provider (Handler, HandleMessage, HandleBlob, HandleSchedule).
type Function struct {
	name string
	kind Kind
	opts FunctionOptions

	path        string          // HTTP
	topic       string          // Message
	maxAttempts int             // Message
	bucket      string          // Blob
	blobEvents  []BlobEventKind // Blob
	prefix      string          // Blob
	schedule    Schedule        // Schedule

	http     http.Handler
	message  MessageHandler
	blob     BlobHandler
	schedFun ScheduleHandler
}

// Name returns the function's registered name.
func (f *Function) Name() string { return f.name }

// Kind returns the function's kind.
func (f *Function) Kind() Kind { return f.kind }

// Timeout returns the invocation time limit.
func (f *Function) Timeout() time.Duration { return f.opts.Timeout }

// Path returns an HTTP function's path prefix.
func (f *Function) Path() string { return f.path }

// Topic returns a Message function's topic name.
func (f *Function) Topic() string { return f.topic }

// MaxAttempts returns a Message function's delivery limit.
func (f *Function) MaxAttempts() int { return f.maxAttempts }

// Bucket returns a BlobEvent function's bucket name.
func (f *Function) Bucket() string { return f.bucket }

// wants reports whether a BlobEvent function subscribes to events of kind k
// for key.
func (f *Function) wants(k BlobEventKind, key string) bool {
	if len(key) < len(f.prefix) || key[:len(f.prefix)] != f.prefix {
		return false
	}
	for _, e := range f.blobEvents {
		if e == k {
			return true
		}
	}
	return false
}

// Schedule returns a Schedule function's parsed schedule.
func (f *Function) Schedule() Schedule { return f.schedule }

func (o *FunctionOptions) withDefaults() FunctionOptions {
	r := FunctionOptions{Timeout: 30 * time.Second, MemoryMB: 256}
	if o != nil {
		if o.Timeout > 0 {
			r.Timeout = o.Timeout
		}
		if o.MemoryMB > 0 {
			r.MemoryMB = o.MemoryMB
		}
	}
	return r
}
