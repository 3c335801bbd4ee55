package gcpdeploy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"cloud.google.com/go/firestore/apiv1/admin/adminpb"
	"google.golang.org/api/iterator"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindTTL is a Firestore TTL policy: documents whose ExpiryField (a
// timestamp) is in the past are deleted by Firestore, within about a day.
const kindTTL = "firestore-ttl"

// ttlFilter lists the fields of a collection group that have a TTL
// policy (the one filter ListFields supports besides index overrides).
const ttlFilter = "ttlConfig:*"

func (n names) field(r, field string) string { return n.collectionGroup(r) + "/fields/" + field }

// liveTTLs lists a collection group's fields with a TTL policy, by field
// path.
func (e *env) liveTTLs(ctx context.Context, cg string) (map[string]*adminpb.Field, error) {
	live := map[string]*adminpb.Field{}
	it := e.c.fs.ListFields(ctx, &adminpb.ListFieldsRequest{Parent: cg, Filter: ttlFilter})
	for {
		f, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return live, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing the TTL policies of %s: %w", cg, err)
		}
		if f.GetTtlConfig() != nil {
			live[f.GetName()[len(cg+"/fields/"):]] = f
		}
	}
}

// setTTL turns the TTL policy of a field on (on) or off: UpdateField with
// the ttl_config mask, waited for.
func (e *env) setTTL(ctx context.Context, name string, on bool) error {
	f := &adminpb.Field{Name: name}
	if on {
		f.TtlConfig = &adminpb.Field_TtlConfig{}
	}
	op, err := e.c.fs.UpdateField(ctx, &adminpb.UpdateFieldRequest{Field: f, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"ttl_config"}}})
	if err != nil {
		return err
	}
	_, err = op.Wait(ctx)
	return err
}

// planTTLs gives each collection that declares an ExpiryField a TTL
// policy on it, and takes it off any other field of the collection.
func planTTLs(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	for _, r := range e.declared(sdk.KindCollection) {
		live, err := e.liveTTLs(ctx, e.collectionGroup(r.Name))
		if err != nil {
			return nil, 0, err
		}
		if f := r.ExpiryField; f != "" {
			cur := live[f]
			delete(live, f)
			if cur != nil && cur.GetTtlConfig().GetState() != adminpb.Field_TtlConfig_NEEDS_REPAIR {
				same++
			} else {
				name := e.field(r.Name, f)
				steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindTTL, Name: name}, func(ctx context.Context) error {
					return e.setTTL(ctx, name, true)
				}})
			}
		}
		for _, f := range slices.Sorted(maps.Keys(live)) {
			name := e.field(r.Name, f)
			steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: kindTTL, Name: name}, func(ctx context.Context) error {
				return e.setTTL(ctx, name, false)
			}})
		}
	}
	return steps, same, nil
}

// destroyTTLs keeps the TTL policies with the data unless deleteData.
func destroyTTLs(ctx context.Context, e *env, deleteData bool, res *deploy.DestroyResult) error {
	for _, r := range e.declared(sdk.KindCollection) {
		live, err := e.liveTTLs(ctx, e.collectionGroup(r.Name))
		if err != nil {
			return err
		}
		for _, f := range slices.Sorted(maps.Keys(live)) {
			name := e.field(r.Name, f)
			if !deleteData {
				res.Kept = append(res.Kept, deploy.Resource{Kind: kindTTL, Name: name})
				continue
			}
			if err := e.setTTL(ctx, name, false); err != nil {
				return err
			}
			e.deleted(res, kindTTL, name)
		}
	}
	return nil
}
