//go:build integration

package awslambda_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/faaskit/faas/providers/awslambda/dynamottl"
	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/provider"
)

// TestExpiringCollectionURLs opens an app's collections, in DynamoDB
// tables in moto, bound as the deployer binds them: the collection with an expiry field, under dynamottl.Scheme,
// writes the Number attribute the table's TTL is set on; the one under
// dynamodb:// does not; a dynamodb+ttl URL without ttl_field is refused.
func TestExpiringCollectionURLs(t *testing.T) {
	endpoint := startMoto(t)
	ctx := t.Context()
	ddb := dynamodb.NewFromConfig(awsConfig(endpoint))
	suffix := fmt.Sprint(time.Now().UnixNano())
	records, plain := "records-"+suffix, "plain-"+suffix // moto is shared by the package's tests
	for _, table := range []string{records, plain} {
		if _, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String(table),
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
			BillingMode:          ddbtypes.BillingModePayPerRequest,
		}); err != nil {
			t.Fatal(err)
		}
	}
	params := "?endpoint=" + endpoint + "&region=us-east-1&partition_key=id"
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv(provider.EnvVar(sdk.KindCollection, "records"), dynamottl.Scheme+"://"+records+params+"&ttl_field=expires_at")
	t.Setenv(provider.EnvVar(sdk.KindCollection, "plain"), "dynamodb://"+plain+params)
	t.Setenv(provider.EnvVar(sdk.KindCollection, "broken"), dynamottl.Scheme+"://"+plain+params)

	app := sdk.New("ttl", nil)
	recordsColl := app.Collection("records", &sdk.CollectionOptions{ExpiryField: "expires_at"})
	plainColl := app.Collection("plain", nil)
	broken := app.Collection("broken", &sdk.CollectionOptions{ExpiryField: "expires_at"})
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	defer app.Close(context.WithoutCancel(ctx))
	type record struct {
		ID        string    `docstore:"id"`
		ExpiresAt time.Time `docstore:"expires_at"`
	}
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		coll  *sdk.Collection
		table string
		want  string // faas_ttl, "" for none
	}{
		{recordsColl, records, strconv.FormatInt(at.Unix(), 10)},
		{plainColl, plain, ""},
	} {
		coll, err := c.coll.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := coll.Create(ctx, &record{ID: "r", ExpiresAt: at}); err != nil {
			t.Fatal(err)
		}
		back := &record{ID: "r"}
		if err := coll.Get(ctx, back); err != nil || !back.ExpiresAt.Equal(at) {
			t.Errorf("%s: Get = %+v, %v", c.coll.Name(), back, err)
		}
		out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(c.table), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "r"}}})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if n, ok := out.Item[dynamottl.Attribute].(*ddbtypes.AttributeValueMemberN); ok {
			got = n.Value
		}
		if got != c.want {
			t.Errorf("%s: the stored item's %s = %q, want %q", c.coll.Name(), dynamottl.Attribute, got, c.want)
		}
	}
	if _, err := broken.Open(ctx); err == nil || !strings.Contains(err.Error(), "ttl_field") {
		t.Errorf("a dynamodb+ttl URL without ttl_field opened with %v; want an error naming ttl_field", err)
	}
}
