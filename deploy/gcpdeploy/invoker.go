package gcpdeploy

import (
	"context"
	"slices"

	"cloud.google.com/go/iam/apiv1/iampb"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindInvoker is a roles/run.invoker binding on a function's Cloud Run
// service: allUsers for HTTP functions (public), the invoker service
// account for the others (Eventarc and Scheduler call them with its
// token). gen2 functions authorize calls on the service, not on the
// function resource, which rejects the role.
const kindInvoker = "run-invoker-binding"

const roleInvoker = "roles/run.invoker"

func (e *env) invokerMember(fm *sdk.FunctionManifest) string {
	if fm.Kind == sdk.KindHTTP {
		return "allUsers"
	}
	return "serviceAccount:" + e.saEmail(e.invokerSA())
}

func hasBinding(p *iampb.Policy, role, member string) bool {
	for _, b := range p.GetBindings() {
		if b.GetRole() == role && slices.Contains(b.GetMembers(), member) {
			return true
		}
	}
	return false
}

// planInvokers reads each deployed function's service policy; a function
// being created gets its binding unread.
func planInvokers(ctx context.Context, e *env) ([]step, int, error) {
	live, err := e.liveFunctions(ctx)
	if err != nil {
		return nil, 0, err
	}
	var steps []step
	same := 0
	for i := range e.t.Manifest.Functions {
		fm := &e.t.Manifest.Functions[i]
		svc, member := e.service(fm.Name), e.invokerMember(fm)
		if f := live[e.function(fm.Name)]; f != nil {
			if s := f.GetServiceConfig().GetService(); s != "" {
				svc = s
			}
			p, err := e.c.run.GetIamPolicy(ctx, &iampb.GetIamPolicyRequest{Resource: svc})
			if err != nil {
				return nil, 0, err
			}
			if hasBinding(p, roleInvoker, member) {
				same++
				continue
			}
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindInvoker, Name: svc + " " + member}, func(ctx context.Context) error {
			p, err := e.c.run.GetIamPolicy(ctx, &iampb.GetIamPolicyRequest{Resource: svc})
			if err != nil {
				return err
			}
			if hasBinding(p, roleInvoker, member) {
				return nil
			}
			p.Bindings = append(p.Bindings, &iampb.Binding{Role: roleInvoker, Members: []string{member}})
			_, err = e.c.run.SetIamPolicy(ctx, &iampb.SetIamPolicyRequest{Resource: svc, Policy: p})
			return err
		}})
	}
	return steps, same, nil
}
