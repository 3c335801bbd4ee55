package dynamottl_test

import (
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gocloud.dev/docstore"
	awsdynamodb "gocloud.dev/docstore/awsdynamodb/v2"

	"github.com/faaskit/faas/internal/emulators"
	"github.com/faaskit/faas/providers/awslambda/dynamottl"
)

// record is a document with an expiry, as the to-do app's event records
// are.
type record struct {
	ID        string    `docstore:"id"`
	Note      string    `docstore:"note"`
	ExpiresAt time.Time `docstore:"expires_at"`
	Revision  any       `docstore:"DocstoreRevision"`
}

const table = "records"

// TestMiddlewareOnMoto writes through gocloud.dev's awsdynamodb driver with
// the middleware, against DynamoDB in moto, and reads the raw items with a
// client without it: every write path keeps faas_ttl equal to the expiry in
// epoch seconds, and no read through the driver sees it.
func TestMiddlewareOnMoto(t *testing.T) {
	ctx := t.Context()
	raw, coll := open(t)

	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	secs := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

	// Create (PutItem).
	r := &record{ID: "a", Note: "n", ExpiresAt: at}
	if err := coll.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	wantTTL(t, raw, "a", secs(at))

	// Get decodes without the shadow attribute (a struct has no field for
	// it, and gocloud refuses unknown attributes).
	got := &record{ID: "a"}
	if err := coll.Get(ctx, got); err != nil {
		t.Fatalf("Get after Create: %v", err)
	}
	if !got.ExpiresAt.Equal(at) || got.Note != "n" {
		t.Errorf("Get = %+v", got)
	}

	// Update of the expiry (UpdateItem, SET).
	later := at.Add(24 * time.Hour)
	if err := coll.Update(ctx, got, docstore.Mods{"expires_at": later}); err != nil {
		t.Fatal(err)
	}
	wantTTL(t, raw, "a", secs(later))

	// Update of another field keeps it.
	if err := coll.Update(ctx, &record{ID: "a"}, docstore.Mods{"note": "m"}); err != nil {
		t.Fatal(err)
	}
	wantTTL(t, raw, "a", secs(later))

	// Update removing the expiry (UpdateItem, REMOVE) removes it.
	if err := coll.Update(ctx, &record{ID: "a"}, docstore.Mods{"expires_at": nil}); err != nil {
		t.Fatal(err)
	}
	wantTTL(t, raw, "a", "")

	// Replace with the zero time: no expiry.
	if err := coll.Replace(ctx, &record{ID: "a", Note: "z"}); err != nil {
		t.Fatal(err)
	}
	wantTTL(t, raw, "a", "")

	// Atomic writes (TransactWriteItems): a Create and an Update.
	if err := coll.Put(ctx, &record{ID: "b", ExpiresAt: at}); err != nil {
		t.Fatal(err)
	}
	if err := coll.Actions().AtomicWrites().
		Create(&record{ID: "c", ExpiresAt: later}).
		Update(&record{ID: "b"}, docstore.Mods{"expires_at": later}).
		Do(ctx); err != nil {
		t.Fatal(err)
	}
	wantTTL(t, raw, "b", secs(later))
	wantTTL(t, raw, "c", secs(later))

	// Batch reads and queries decode too (BatchGetItem, Scan).
	b, c := &record{ID: "b"}, &record{ID: "c"}
	if err := coll.Actions().Get(b).Get(c).Do(ctx); err != nil {
		t.Fatalf("batch Get: %v", err)
	}
	it := coll.Query().Get(ctx)
	defer it.Stop()
	n := 0
	for {
		var r record
		err := it.Next(ctx, &r)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		n++
	}
	if n != 3 {
		t.Errorf("query returned %d records, want 3", n)
	}

	// A map document sees the document as written, without faas_ttl.
	m := map[string]any{"id": "c"}
	if err := coll.Get(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m[dynamottl.Attribute]; ok {
		t.Errorf("a map document shows %s: %v", dynamottl.Attribute, m)
	}
}

// wantTTL checks the raw item's faas_ttl ("" for absent).
func wantTTL(t *testing.T, raw *dynamodb.Client, id, want string) {
	t.Helper()
	out, err := raw.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}})
	if err != nil {
		t.Fatal(err)
	}
	v, ok := out.Item[dynamottl.Attribute]
	switch {
	case want == "" && ok:
		t.Errorf("item %s has %s = %#v, want none", id, dynamottl.Attribute, v)
	case want != "":
		n, isN := v.(*types.AttributeValueMemberN)
		if !isN || n.Value != want {
			t.Errorf("item %s has %s = %#v, want the Number %s", id, dynamottl.Attribute, v, want)
		}
	}
}

// open starts moto, creates the table, and returns a client without the
// middleware and a collection over one with it.
func open(t *testing.T) (*dynamodb.Client, *docstore.Collection) {
	t.Helper()
	url := emulators.Moto(t)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url),
	}
	raw := dynamodb.NewFromConfig(cfg)
	if _, err := raw.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, dynamottl.Middleware(table, "expires_at"))
	})
	coll, err := awsdynamodb.OpenCollection(db, table, "id", "", &awsdynamodb.Options{AllowScans: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { coll.Close() })
	return raw, coll
}
