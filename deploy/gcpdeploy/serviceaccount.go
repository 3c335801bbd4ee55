package gcpdeploy

import (
	"context"
	"slices"

	"cloud.google.com/go/iam/admin/apiv1/adminpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindServiceAccount is the IAM service account kind.
const kindServiceAccount = "service-account"

// serviceAccounts are the account IDs the target needs: the runtime one,
// and the invoker one if any function is not HTTP.
func (e *env) serviceAccounts() []string {
	ids := []string{e.runtimeSA()}
	if slices.ContainsFunc(e.t.Manifest.Functions, func(f sdk.FunctionManifest) bool { return f.Kind != sdk.KindHTTP }) {
		ids = append(ids, e.invokerSA())
	}
	return ids
}

func isNotFound(err error) bool { return status.Code(err) == codes.NotFound }

func saExists(ctx context.Context, e *env, id string) (bool, error) {
	_, err := e.c.iam.GetServiceAccount(ctx, &adminpb.GetServiceAccountRequest{Name: e.saName(id)})
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func planServiceAccounts(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	for _, id := range e.serviceAccounts() {
		ok, err := saExists(ctx, e, id)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			same++
			continue
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindServiceAccount, Name: e.saEmail(id)}, func(ctx context.Context) error {
			_, err := e.c.iam.CreateServiceAccount(ctx, &adminpb.CreateServiceAccountRequest{
				Name: "projects/" + e.project, AccountId: id,
				ServiceAccount: &adminpb.ServiceAccount{DisplayName: id, Description: "faas " + e.prefix() + " (faas-app=" + lower(e.app) + ", faas-stage=" + lower(e.stage) + ")"},
			})
			if status.Code(err) == codes.AlreadyExists {
				return nil
			}
			return err
		}})
	}
	return steps, same, nil
}

func destroyServiceAccounts(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	for _, id := range []string{e.runtimeSA(), e.invokerSA()} {
		ok, err := saExists(ctx, e, id)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := e.c.iam.DeleteServiceAccount(ctx, &adminpb.DeleteServiceAccountRequest{Name: e.saName(id)}); err != nil && !isNotFound(err) {
			return err
		}
		e.deleted(res, kindServiceAccount, e.saEmail(id))
	}
	return nil
}
