package gcpdeploy

import (
	"context"
	"fmt"

	"cloud.google.com/go/firestore/apiv1/admin/adminpb"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindDocuments is a collection's documents in Firestore.
const kindDocuments = "firestore-documents"

// destroyDocuments deletes the documents of the app's collections with
// --delete-data, in one Firestore bulk delete (a long-running operation the
// deploy waits for) over the stage's collection groups, <app>-<stage>-<name>;
// without it they are kept and listed.
func destroyDocuments(ctx context.Context, e *env, deleteData bool, res *deploy.DestroyResult) error {
	var ids []string
	for _, r := range e.declared(sdk.KindCollection) {
		ids = append(ids, e.collection(r.Name))
	}
	if len(ids) == 0 {
		return nil
	}
	if !deleteData {
		for _, id := range ids {
			res.Kept = append(res.Kept, deploy.Resource{Kind: kindDocuments, Name: id})
		}
		return nil
	}
	op, err := e.c.fs.BulkDeleteDocuments(ctx, &adminpb.BulkDeleteDocumentsRequest{
		Name:          "projects/" + e.project + "/databases/" + Database,
		CollectionIds: ids,
	})
	if err == nil {
		_, err = op.Wait(ctx)
	}
	if err != nil {
		return fmt.Errorf("deleting the documents of %v: %w", ids, err)
	}
	for _, id := range ids {
		e.deleted(res, kindDocuments, id)
	}
	return nil
}
