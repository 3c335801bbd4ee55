package awsdeploy

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/providers/awslambda/dynamottl"
	"github.com/faaskit/faas/sdk"
)

// kindTable is the DynamoDB table kind.
const kindTable = "dynamodb-table"

// waitTable is how long to wait for a table or index to become active.
const waitTable = 10 * time.Minute

// gsi returns the global secondary index of a declared index: hash key
// Partition, range key Sort, all attributes projected. Key attributes are
// strings (the type the portable API can promise on every backend).
func gsi(ix sdk.Index) ddbtypes.GlobalSecondaryIndex {
	ks := []ddbtypes.KeySchemaElement{{AttributeName: aws.String(ix.Partition), KeyType: ddbtypes.KeyTypeHash}}
	if ix.Sort != "" {
		ks = append(ks, ddbtypes.KeySchemaElement{AttributeName: aws.String(ix.Sort), KeyType: ddbtypes.KeyTypeRange})
	}
	return ddbtypes.GlobalSecondaryIndex{IndexName: aws.String(ix.IndexName()), KeySchema: ks, Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll}}
}

// attrs are the attribute definitions for a key field and indexes.
func attrs(key string, ixs ...sdk.Index) []ddbtypes.AttributeDefinition {
	var names []string
	add := func(n string) {
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	add(key)
	for _, ix := range ixs {
		add(ix.Partition)
		add(ix.Sort)
	}
	var ds []ddbtypes.AttributeDefinition
	for _, n := range names {
		ds = append(ds, ddbtypes.AttributeDefinition{AttributeName: aws.String(n), AttributeType: ddbtypes.ScalarAttributeTypeS})
	}
	return ds
}

func planTables(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	for _, r := range e.declared(sdk.KindCollection) {
		s, err := planTable(ctx, e, r)
		if err != nil {
			return nil, 0, err
		}
		if len(s) == 0 {
			same++
		}
		steps = append(steps, s...)
	}
	return steps, same, nil
}

func planTable(ctx context.Context, e *env, r sdk.ResourceManifest) ([]step, error) {
	name := e.table(r.Name)
	out, err := e.c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if isNotFound(err) {
		return []step{{deploy.Change{Action: deploy.Create, Kind: kindTable, Name: name}, func(ctx context.Context) error {
			return createTable(ctx, e, name, r)
		}}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading table %s: %w", name, err)
	}
	t := out.Table
	if k := hashKey(t.KeySchema); k != r.KeyField {
		return nil, fmt.Errorf("table %s has the key %q; the collection declares %q: a table's key cannot change (faas destroy --delete-data removes the table and its data)", name, k, r.KeyField)
	}
	var diffs []deploy.Diff
	var fixes []func(context.Context) error
	have := map[string]bool{}
	for _, g := range t.GlobalSecondaryIndexes {
		have[aws.ToString(g.IndexName)] = true
	}
	want := map[string]bool{}
	for _, ix := range r.Indexes {
		want[ix.IndexName()] = true
		if !have[ix.IndexName()] {
			diffs = append(diffs, deploy.Diff{Field: "index " + ix.IndexName(), Old: "none", New: ix.Partition + "," + ix.Sort})
			fixes = append(fixes, func(ctx context.Context) error {
				g := gsi(ix)
				_, err := e.c.ddb.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: &name, AttributeDefinitions: attrs(ix.Partition, ix),
					GlobalSecondaryIndexUpdates: []ddbtypes.GlobalSecondaryIndexUpdate{{Create: &ddbtypes.CreateGlobalSecondaryIndexAction{IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection}}}})
				if err != nil {
					return err
				}
				return waitTableActive(ctx, e, name)
			})
		}
	}
	for n := range have {
		if !want[n] {
			diffs = append(diffs, deploy.Diff{Field: "index " + n, Old: "present", New: "none"})
			fixes = append(fixes, func(ctx context.Context) error {
				_, err := e.c.ddb.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: &name,
					GlobalSecondaryIndexUpdates: []ddbtypes.GlobalSecondaryIndexUpdate{{Delete: &ddbtypes.DeleteGlobalSecondaryIndexAction{IndexName: aws.String(n)}}}})
				if err != nil {
					return err
				}
				return waitTableActive(ctx, e, name)
			})
		}
	}
	ttl, err := e.c.ddb.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &name})
	if err != nil {
		return nil, fmt.Errorf("reading the TTL of table %s: %w", name, err)
	}
	oldTTL := ""
	if d := ttl.TimeToLiveDescription; d != nil && (d.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabled || d.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabling) {
		oldTTL = aws.ToString(d.AttributeName)
	}
	if want := ttlAttribute(r); oldTTL != want {
		diffs = append(diffs, deploy.Diff{Field: "ttl", Old: orNone(oldTTL), New: orNone(want)})
		fixes = append(fixes, func(ctx context.Context) error { return setTTL(ctx, e, name, oldTTL, want) })
	}
	if len(diffs) == 0 {
		return nil, nil
	}
	return []step{{deploy.Change{Action: deploy.Update, Kind: kindTable, Name: name, Diffs: diffs}, func(ctx context.Context) error {
		for _, f := range fixes {
			if err := f(ctx); err != nil {
				return err
			}
		}
		return nil
	}}}, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func hashKey(ks []ddbtypes.KeySchemaElement) string {
	for _, k := range ks {
		if k.KeyType == ddbtypes.KeyTypeHash {
			return aws.ToString(k.AttributeName)
		}
	}
	return ""
}

func createTable(ctx context.Context, e *env, name string, r sdk.ResourceManifest) error {
	in := &dynamodb.CreateTableInput{
		TableName:            &name,
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String(r.KeyField), KeyType: ddbtypes.KeyTypeHash}},
		AttributeDefinitions: attrs(r.KeyField, r.Indexes...),
	}
	for _, ix := range r.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi(ix))
	}
	for k, v := range e.tags() {
		in.Tags = append(in.Tags, ddbtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := e.c.ddb.CreateTable(ctx, in); err != nil && !errorCode(err, "ResourceInUseException") {
		return err
	}
	if err := waitTableActive(ctx, e, name); err != nil {
		return err
	}
	return setTTL(ctx, e, name, "", ttlAttribute(r))
}

// ttlAttribute is the attribute the table's TTL is set on: not the expiry
// field itself, which gocloud.dev stores as an RFC 3339 string that TTL
// ignores, but its epoch-seconds shadow, which the bootstrap's DynamoDB
// client writes beside it (package dynamottl). "" when r declares no
// expiry.
func ttlAttribute(r sdk.ResourceManifest) string {
	if r.ExpiryField == "" {
		return ""
	}
	return dynamottl.Attribute
}

// setTTL moves the table's TTL attribute from old to want ("" for none).
func setTTL(ctx context.Context, e *env, name, old, want string) error {
	if old != "" {
		if _, err := e.c.ddb.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: &name, TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(old), Enabled: aws.Bool(false)}}); err != nil {
			return err
		}
	}
	if want == "" {
		return nil
	}
	_, err := e.c.ddb.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: &name, TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(want), Enabled: aws.Bool(true)}})
	if err != nil && old != "" && errorCode(err, "ValidationException") {
		// DynamoDB takes up to an hour to settle a TTL change and refuses
		// another one meanwhile: the old attribute's TTL is off, the new
		// one's can be turned on by a later deploy.
		return fmt.Errorf("turning TTL on for %s.%s right after turning it off for %s (DynamoDB allows one TTL change per table in an hour; run faas deploy again later): %w", name, want, old, err)
	}
	return err
}

// waitTableActive waits until the table and all its indexes are ACTIVE.
func waitTableActive(ctx context.Context, e *env, name string) error {
	deadline := time.Now().Add(waitTable)
	for delay := 200 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		out, err := e.c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
		if err == nil && out.Table.TableStatus == ddbtypes.TableStatusActive && !slices.ContainsFunc(out.Table.GlobalSecondaryIndexes, func(g ddbtypes.GlobalSecondaryIndexDescription) bool {
			return g.IndexStatus != "" && g.IndexStatus != ddbtypes.IndexStatusActive
		}) {
			return nil
		}
		if err != nil && !isNotFound(err) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("table %s is not active after %v", name, waitTable)
		}
		time.Sleep(delay)
	}
}

func destroyTables(ctx context.Context, e *env, deleteData bool, res *deploy.DestroyResult) error {
	for _, r := range e.declared(sdk.KindCollection) {
		name := e.table(r.Name)
		if _, err := e.c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name}); err != nil {
			if isNotFound(err) {
				continue
			}
			return err
		}
		if !deleteData {
			res.Kept = append(res.Kept, deploy.Resource{Kind: kindTable, Name: name})
			continue
		}
		if _, err := e.c.ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &name}); err != nil && !isNotFound(err) {
			return err
		}
		e.deleted(res, kindTable, name)
	}
	return nil
}

// collectionURL is a collection's gocloud URL. awsdynamodb reads the
// table's indexes with DescribeTable when it opens the collection, so its
// query planner uses the declared GSIs. A collection with an expiry field
// is bound under dynamottl.Scheme, which the bootstrap opens with a client
// that writes the TTL attribute.
func (e *env) collectionURL(r sdk.ResourceManifest) string {
	scheme, ttl := "dynamodb", ""
	if r.ExpiryField != "" {
		scheme, ttl = dynamottl.Scheme, "&ttl_field="+url.QueryEscape(r.ExpiryField)
	}
	return scheme + "://" + e.table(r.Name) + "?partition_key=" + url.QueryEscape(strings.TrimSpace(r.KeyField)) + ttl
}
