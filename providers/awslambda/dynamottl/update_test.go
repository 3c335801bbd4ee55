package dynamottl

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestUpdate covers the update expressions gocloud.dev's expression
// builder writes (SET and REMOVE clauses over #n/:n placeholders), in
// either order and any case.
func TestUpdate(t *testing.T) {
	at := &types.AttributeValueMemberS{Value: "2026-12-05T10:00:00.5Z"} // 1796464800 s
	tests := []struct {
		name      string
		expr      string
		names     map[string]string
		values    map[string]types.AttributeValue
		want      string
		wantValue string // the value given to :faas_ttl, "" for none
	}{
		{
			name:   "sets the field",
			expr:   "SET #0 = :0, #1 = :1\n",
			names:  map[string]string{"#0": "title", "#1": "expires_at"},
			values: map[string]types.AttributeValue{":0": &types.AttributeValueMemberS{Value: "x"}, ":1": at},
			want:   "SET #faas_ttl = :faas_ttl, #0 = :0, #1 = :1\n", wantValue: "1796464800",
		},
		{
			name:   "sets epoch seconds",
			expr:   "set #1 = :1 remove #2",
			names:  map[string]string{"#1": "expires_at", "#2": "notes"},
			values: map[string]types.AttributeValue{":1": &types.AttributeValueMemberN{Value: "1796464800"}},
			want:   "set #faas_ttl = :faas_ttl, #1 = :1 remove #2", wantValue: "1796464800",
		},
		{
			name:   "removes the field",
			expr:   "SET #0 = :0\nREMOVE #1, #2\n",
			names:  map[string]string{"#0": "title", "#1": "notes", "#2": "expires_at"},
			values: map[string]types.AttributeValue{":0": &types.AttributeValueMemberS{Value: "x"}},
			want:   "SET #0 = :0\nREMOVE #faas_ttl, #1, #2\n",
		},
		{
			name:   "sets it to a non-time",
			expr:   "SET #0 = :0",
			names:  map[string]string{"#0": "expires_at"},
			values: map[string]types.AttributeValue{":0": &types.AttributeValueMemberS{Value: "soon"}},
			want:   "SET #0 = :0\nREMOVE #faas_ttl",
		},
		{
			name:   "sets it to the zero time",
			expr:   "REMOVE #9 SET #0 = :0",
			names:  map[string]string{"#0": "expires_at", "#9": "notes"},
			values: map[string]types.AttributeValue{":0": &types.AttributeValueMemberS{Value: "0001-01-01T00:00:00Z"}},
			want:   "REMOVE #faas_ttl, #9 SET #0 = :0",
		},
		{
			name:   "another field only",
			expr:   "SET #0 = :0 REMOVE #1",
			names:  map[string]string{"#0": "title", "#1": "notes"},
			values: map[string]types.AttributeValue{":0": at},
			want:   "SET #0 = :0 REMOVE #1",
		},
		{
			name:   "the field in a nested path is not the expiry",
			expr:   "SET #0.#1 = :0",
			names:  map[string]string{"#0": "meta", "#1": "expires_at"},
			values: map[string]types.AttributeValue{":0": at},
			want:   "SET #0.#1 = :0",
		},
		{
			name:   "a nested removal is not the expiry",
			expr:   "REMOVE #0.#1",
			names:  map[string]string{"#0": "meta", "#1": "expires_at"},
			values: map[string]types.AttributeValue{},
			want:   "REMOVE #0.#1",
		},
		{
			name:   "ADD of another field",
			expr:   "ADD #0 :0 SET #1 = :1",
			names:  map[string]string{"#0": "count", "#1": "expires_at"},
			values: map[string]types.AttributeValue{":0": &types.AttributeValueMemberN{Value: "1"}, ":1": at},
			want:   "ADD #0 :0 SET #faas_ttl = :faas_ttl, #1 = :1", wantValue: "1796464800",
		},
	}
	s := &shadow{table: "t", field: "expires_at"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expr := tt.expr
			gotExpr, names, values := &expr, tt.names, tt.values
			s.update(&gotExpr, names, values)
			if *gotExpr != tt.want {
				t.Errorf("expression = %q, want %q", *gotExpr, tt.want)
			}
			if tt.want == tt.expr {
				if _, ok := names[namePlaceholder]; ok {
					t.Errorf("names gained %s for an expression left alone", namePlaceholder)
				}
				return
			}
			if names[namePlaceholder] != Attribute {
				t.Errorf("names[%s] = %q, want %q", namePlaceholder, names[namePlaceholder], Attribute)
			}
			got, _ := values[valuePlaceholder].(*types.AttributeValueMemberN)
			switch {
			case tt.wantValue == "" && got != nil:
				t.Errorf("values[%s] = %v, want none", valuePlaceholder, got.Value)
			case tt.wantValue != "" && (got == nil || got.Value != tt.wantValue):
				t.Errorf("values[%s] = %v, want %s", valuePlaceholder, got, tt.wantValue)
			}
		})
	}
}
