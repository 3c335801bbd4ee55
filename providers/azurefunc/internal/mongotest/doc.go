// Package mongotest proves the Azure document-store binding: Cosmos DB for
// MongoDB through gocloud.dev/docstore/mongodocstore, as the azurefunc
// handler opens it, against an embedded FerretDB (MongoDB wire protocol on
// SQLite). It is its own module so that FerretDB and its dependencies stay
// out of the main go.mod.
package mongotest
