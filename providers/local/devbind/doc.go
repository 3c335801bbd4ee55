// Package devbind binds an app's resources to faas dev's durable embedded
// stores: buckets are directories (fileblob) whose writes and deletes are
// reported as blob events, collections are tables in one SQLite file
// (sqlitedocstore), and topics hand published messages to the dev server's
// broker. A resource with an explicit URL is opened from that URL instead.
//
// The same Binder serves the in-process local runtime (events go straight to
// the dev server) and emulated providers, whose app runs in another process
// and posts events back over HTTP (see HTTPSink).
package devbind
