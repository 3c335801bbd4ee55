package sdk

import (
	"time"

	"github.com/faaskit/faas/sdk/internal/seam"
)

// ManifestVersion is the version of the manifest format written by Manifest.
const ManifestVersion = 1

// Manifest is the app's description of itself: what faas dev, faas build and
// the deployers read. It is plain data and round-trips through JSON.
type Manifest struct {
	Version   int                `json:"version"`
	App       string             `json:"app"`
	Functions []FunctionManifest `json:"functions"`
	Resources []ResourceManifest `json:"resources"`
}

// FunctionManifest describes one function and its trigger.
type FunctionManifest struct {
	Name     string        `json:"name"`
	Kind     Kind          `json:"kind"`
	Timeout  time.Duration `json:"timeout_ns"`
	MemoryMB int           `json:"memory_mb"`

	HTTP     *HTTPTrigger     `json:"http,omitempty"`
	Message  *MessageTrigger  `json:"message,omitempty"`
	Blob     *BlobTrigger     `json:"blob,omitempty"`
	Schedule *ScheduleTrigger `json:"schedule,omitempty"`
}

// HTTPTrigger is an HTTP function's trigger.
type HTTPTrigger struct {
	Path string `json:"path"`
}

// MessageTrigger is a Message function's trigger.
type MessageTrigger struct {
	Topic       string `json:"topic"`
	MaxAttempts int    `json:"max_attempts"`
}

// BlobTrigger is a BlobEvent function's trigger.
type BlobTrigger struct {
	Bucket string          `json:"bucket"`
	Events []BlobEventKind `json:"events"`
	Prefix string          `json:"prefix,omitempty"`
}

// ScheduleTrigger is a Schedule function's trigger. Exactly one of Cron and
// Every is set.
type ScheduleTrigger struct {
	Expr  string        `json:"expr"`
	Cron  string        `json:"cron,omitempty"`
	Every time.Duration `json:"every_ns,omitempty"`
}

// ResourceManifest describes one declared resource.
type ResourceManifest struct {
	Name     string       `json:"name"`
	Kind     ResourceKind `json:"kind"`
	Env      string       `json:"env"`                 // the binding variable
	KeyField string       `json:"key_field,omitempty"` // collections
	URL      string       `json:"url,omitempty"`       // explicit URL, if declared
	// Indexes and ExpiryField are the collection's declared secondary
	// indexes and expiry field (collections only).
	Indexes     []Index `json:"indexes,omitempty"`
	ExpiryField string  `json:"expiry_field,omitempty"`
}

// CollectionSpec returns the collection described by a collection's
// manifest entry.
func (r ResourceManifest) CollectionSpec() *CollectionSpec {
	return &CollectionSpec{Name: r.Name, KeyField: r.KeyField, Indexes: append([]Index(nil), r.Indexes...), ExpiryField: r.ExpiryField}
}

// Manifest describes the app. It is valid only if Err returns nil.
func (a *App) Manifest() *Manifest {
	m := &Manifest{Version: ManifestVersion, App: a.name, Functions: []FunctionManifest{}, Resources: []ResourceManifest{}}
	for _, f := range a.funcs {
		fm := FunctionManifest{Name: f.name, Kind: f.kind, Timeout: f.opts.Timeout, MemoryMB: f.opts.MemoryMB}
		switch f.kind {
		case KindHTTP:
			fm.HTTP = &HTTPTrigger{Path: f.path}
		case KindMessage:
			fm.Message = &MessageTrigger{Topic: f.topic, MaxAttempts: f.maxAttempts}
		case KindBlob:
			fm.Blob = &BlobTrigger{Bucket: f.bucket, Events: f.blobEvents, Prefix: f.prefix}
		case KindSchedule:
			fm.Schedule = &ScheduleTrigger{Expr: f.schedule.Expr, Cron: f.schedule.Cron, Every: f.schedule.Every}
		}
		m.Functions = append(m.Functions, fm)
	}
	for _, r := range a.resources {
		rm := ResourceManifest{Name: r.name, Kind: r.kind, Env: seam.EnvVar(string(r.kind), r.name), URL: r.url}
		if r.spec != nil {
			rm.KeyField, rm.Indexes, rm.ExpiryField = r.spec.KeyField, append([]Index(nil), r.spec.Indexes...), r.spec.ExpiryField
		}
		m.Resources = append(m.Resources, rm)
	}
	return m
}
