// Package dynamottl makes DynamoDB's Time to Live work for documents that
// gocloud.dev's docstore writes.
//
// DynamoDB deletes an expired item only when its TTL attribute is a Number
// of Unix epoch seconds, but gocloud.dev's awsdynamodb driver stores a
// time.Time as an RFC 3339 string, which TTL ignores: a collection's
// expiry field (sdk.CollectionOptions.ExpiryField) would never expire
// anything. A DynamoDB client given Middleware therefore keeps a shadow
// attribute, Attribute, beside the expiry field: every write that sets the
// field sets Attribute to the same instant in epoch seconds, and every read
// drops Attribute again, so documents decode exactly as written. The AWS
// deployer turns the table's TTL on for Attribute and binds the collection
// with a Scheme URL, which the AWS shim opens with Middleware.
package dynamottl

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Attribute is the Number attribute holding an item's expiry in Unix epoch
// seconds, the attribute a table's TTL is set on.
const Attribute = "faas_ttl"

// Scheme is the docstore URL scheme under which the AWS shim opens a
// DynamoDB collection through a client with Middleware:
// dynamodb+ttl://table?partition_key=id&ttl_field=expires_at, where
// ttl_field names the expiry field and every other parameter is one of
// gocloud.dev's dynamodb:// URLs. The AWS deployer binds collections that
// declare an expiry field this way.
const Scheme = "dynamodb+ttl"

// Placeholders for Attribute and its value in a rewritten update
// expression; gocloud.dev's expression builder numbers its own (#0, :0).
const (
	namePlaceholder  = "#faas_ttl"
	valuePlaceholder = ":faas_ttl"
)

// Middleware returns a DynamoDB client API option (append it to
// dynamodb.Options.APIOptions) that keeps Attribute in step with field on
// table's items: PutItem, UpdateItem and TransactWriteItems that set field
// to a time (a non-zero RFC 3339 string or a Number of epoch seconds) also
// set Attribute; writes that remove field, or set it to anything else
// (the zero time.Time included), remove Attribute. GetItem, BatchGetItem,
// Query and Scan, and the old or new item a write returns, never show
// Attribute.
func Middleware(table, field string) func(*middleware.Stack) error {
	s := &shadow{table: table, field: field}
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("faas.dynamottl", s.handle), middleware.Before)
	}
}

type shadow struct{ table, field string }

func (s *shadow) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	switch p := in.Parameters.(type) {
	case *dynamodb.PutItemInput:
		if s.ours(p.TableName) {
			s.put(p.Item)
		}
	case *dynamodb.UpdateItemInput:
		if s.ours(p.TableName) {
			s.update(&p.UpdateExpression, p.ExpressionAttributeNames, p.ExpressionAttributeValues)
		}
	case *dynamodb.TransactWriteItemsInput:
		for i := range p.TransactItems {
			w := &p.TransactItems[i]
			if w.Put != nil && s.ours(w.Put.TableName) {
				s.put(w.Put.Item)
			}
			if u := w.Update; u != nil && s.ours(u.TableName) {
				s.update(&u.UpdateExpression, u.ExpressionAttributeNames, u.ExpressionAttributeValues)
			}
		}
	}
	out, md, err := next.HandleInitialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	switch r := out.Result.(type) {
	case *dynamodb.GetItemOutput:
		delete(r.Item, Attribute)
	case *dynamodb.BatchGetItemOutput:
		s.strip(r.Responses[s.table])
	case *dynamodb.QueryOutput:
		s.strip(r.Items)
	case *dynamodb.ScanOutput:
		s.strip(r.Items)
	case *dynamodb.PutItemOutput:
		delete(r.Attributes, Attribute)
	case *dynamodb.UpdateItemOutput:
		delete(r.Attributes, Attribute)
	case *dynamodb.DeleteItemOutput:
		delete(r.Attributes, Attribute)
	}
	return out, md, err
}

func (s *shadow) ours(table *string) bool { return table != nil && *table == s.table }

func (s *shadow) strip(items []map[string]types.AttributeValue) {
	for _, it := range items {
		delete(it, Attribute)
	}
}

// put sets or removes Attribute on a whole item about to be written.
func (s *shadow) put(item map[string]types.AttributeValue) {
	if item == nil {
		return
	}
	if n, ok := epoch(item[s.field]); ok {
		item[Attribute] = n
	} else {
		delete(item, Attribute)
	}
}

// epoch converts an expiry value to the Number DynamoDB's TTL reads.
func epoch(v types.AttributeValue) (*types.AttributeValueMemberN, bool) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		t, err := time.Parse(time.RFC3339Nano, v.Value)
		if err != nil || t.IsZero() { // the zero time.Time: no expiry
			return nil, false
		}
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(t.Unix(), 10)}, true
	case *types.AttributeValueMemberN:
		if _, err := strconv.ParseFloat(v.Value, 64); err != nil {
			return nil, false
		}
		return &types.AttributeValueMemberN{Value: v.Value}, true
	}
	return nil, false
}

// assignment is a top-level "name = value" in a SET clause; update
// expressions hold no string literals, so neither it nor a clause keyword
// can appear inside a value.
var assignment = regexp.MustCompile(`(?:^|[\s,])(#[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)`)

// update rewrites the update expression *expr, whose placeholders names
// and values define, so that setting or removing field sets or removes
// Attribute too; it adds Attribute's placeholders to names and values. An
// expression that does not name field at its top level is left alone.
func (s *shadow) update(expr **string, names map[string]string, values map[string]types.AttributeValue) {
	if *expr == nil {
		return
	}
	placeholder := ""
	for k, v := range names {
		if v == s.field {
			placeholder = k
			break
		}
	}
	if placeholder == "" {
		return
	}
	e := **expr
	if body, at := clause(e, "SET"); at >= 0 {
		for _, m := range assignment.FindAllStringSubmatch(body, -1) {
			if m[1] != placeholder {
				continue
			}
			names[namePlaceholder] = Attribute
			if n, ok := epoch(values[m[2]]); ok {
				values[valuePlaceholder] = n
				e = e[:at] + namePlaceholder + " = " + valuePlaceholder + ", " + e[at:]
			} else {
				e = withRemoval(e)
			}
			*expr = &e
			return
		}
	}
	if body, at := clause(e, "REMOVE"); at >= 0 && slices.ContainsFunc(strings.Split(body, ","), func(p string) bool { return strings.TrimSpace(p) == placeholder }) {
		names[namePlaceholder] = Attribute
		e = withRemoval(e)
		*expr = &e
	}
}

// withRemoval makes e remove Attribute as well.
func withRemoval(e string) string {
	if _, at := clause(e, "REMOVE"); at >= 0 {
		return e[:at] + namePlaceholder + ", " + e[at:]
	}
	return strings.TrimRight(e, " \n") + "\nREMOVE " + namePlaceholder
}

var keywords = []string{"SET", "REMOVE", "ADD", "DELETE"}

// clause returns the body of e's clause that keyword kw starts (up to the
// next clause keyword) and the index where the body starts; -1 if e has no
// such clause.
func clause(e, kw string) (string, int) {
	i := indexKeyword(e, kw)
	if i < 0 {
		return "", -1
	}
	at := i + len(kw)
	for at < len(e) && (e[at] == ' ' || e[at] == '\n' || e[at] == '\t') {
		at++
	}
	body := e[at:]
	for _, k := range keywords {
		if j := indexKeyword(body, k); j >= 0 {
			body = body[:j]
		}
	}
	return body, at
}

// indexKeyword finds keyword k (upper case) as a whole word in s, ignoring
// case; placeholders (#x, :x) are words.
func indexKeyword(s, k string) int {
	u := strings.ToUpper(s)
	for i := 0; ; {
		j := strings.Index(u[i:], k)
		if j < 0 {
			return -1
		}
		j += i
		if (j == 0 || !isWord(u[j-1])) && (j+len(k) == len(u) || !isWord(u[j+len(k)])) {
			return j
		}
		i = j + len(k)
	}
}

func isWord(c byte) bool {
	return c == '_' || c == '#' || c == ':' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}
