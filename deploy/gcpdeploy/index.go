package gcpdeploy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"cloud.google.com/go/firestore/apiv1/admin/adminpb"
	"google.golang.org/api/iterator"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindIndex is a Firestore composite index.
const kindIndex = "firestore-index"

func (n names) collectionGroup(r string) string {
	return "projects/" + n.project + "/databases/" + Database + "/collectionGroups/" + n.collection(r)
}

// indexKey identifies an index by its fields, e.g. "owner ASCENDING,created DESCENDING".
func indexKey(ix *adminpb.Index) string {
	var s []string
	for _, f := range ix.GetFields() {
		s = append(s, f.GetFieldPath()+" "+f.GetOrder().String())
	}
	return strings.Join(s, ",")
}

// desiredIndexes are the composite indexes of one collection: for each
// declared index with a Sort field, (Partition ASC, Sort ASC) and
// (Partition ASC, Sort DESC), because a query orders either way and
// Firestore serves each direction from its own composite index. An index
// without Sort needs none: equality on one field uses Firestore's
// automatic single-field index.
func desiredIndexes(r sdk.ResourceManifest) []*adminpb.Index {
	var ixs []*adminpb.Index
	for _, ix := range r.Indexes {
		if ix.Sort == "" {
			continue
		}
		for _, o := range []adminpb.Index_IndexField_Order{adminpb.Index_IndexField_ASCENDING, adminpb.Index_IndexField_DESCENDING} {
			ixs = append(ixs, &adminpb.Index{QueryScope: adminpb.Index_COLLECTION, Fields: []*adminpb.Index_IndexField{
				{FieldPath: ix.Partition, ValueMode: &adminpb.Index_IndexField_Order_{Order: adminpb.Index_IndexField_ASCENDING}},
				{FieldPath: ix.Sort, ValueMode: &adminpb.Index_IndexField_Order_{Order: o}},
			}})
		}
	}
	return ixs
}

// liveIndexes lists a collection group's composite indexes by key.
func (e *env) liveIndexes(ctx context.Context, cg string) (map[string]*adminpb.Index, error) {
	live := map[string]*adminpb.Index{}
	it := e.c.fs.ListIndexes(ctx, &adminpb.ListIndexesRequest{Parent: cg})
	for {
		ix, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return live, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing the indexes of %s: %w", cg, err)
		}
		live[indexKey(ix)] = ix
	}
}

func planIndexes(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	for _, r := range e.declared(sdk.KindCollection) {
		cg := e.collectionGroup(r.Name)
		live, err := e.liveIndexes(ctx, cg)
		if err != nil {
			return nil, 0, err
		}
		for _, want := range desiredIndexes(r) {
			k := indexKey(want)
			if live[k] != nil {
				delete(live, k)
				same++
				continue
			}
			steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindIndex, Name: e.collection(r.Name) + " (" + k + ")"}, func(ctx context.Context) error {
				op, err := e.c.fs.CreateIndex(ctx, &adminpb.CreateIndexRequest{Parent: cg, Index: want})
				if err != nil {
					return err
				}
				_, err = op.Wait(ctx)
				return err
			}})
		}
		for _, k := range slices.Sorted(maps.Keys(live)) {
			name := live[k].GetName()
			steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: kindIndex, Name: e.collection(r.Name) + " (" + k + ")"}, func(ctx context.Context) error {
				return e.c.fs.DeleteIndex(ctx, &adminpb.DeleteIndexRequest{Name: name})
			}})
		}
	}
	return steps, same, nil
}

// destroyIndexes keeps the indexes with the data unless deleteData.
func destroyIndexes(ctx context.Context, e *env, deleteData bool, res *deploy.DestroyResult) error {
	for _, r := range e.declared(sdk.KindCollection) {
		live, err := e.liveIndexes(ctx, e.collectionGroup(r.Name))
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(live)) {
			ix, name := live[k], e.collection(r.Name)+" ("+k+")"
			if !deleteData {
				res.Kept = append(res.Kept, deploy.Resource{Kind: kindIndex, Name: name})
				continue
			}
			if err := e.c.fs.DeleteIndex(ctx, &adminpb.DeleteIndexRequest{Name: ix.GetName()}); err != nil && !isNotFound(err) {
				return err
			}
			e.deleted(res, kindIndex, name)
		}
	}
	return nil
}
