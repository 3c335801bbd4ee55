package gcpdeploy

import (
	"context"
	"fmt"
	"slices"

	"cloud.google.com/go/iam"
	"cloud.google.com/go/iam/apiv1/iampb"
	resourcemanager "cloud.google.com/go/resourcemanager/apiv3"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// roleFirestore is what the runtime account needs to read and write the
// app's documents. Firestore has no per-collection (or per-database, except
// through IAM conditions) policy, so it is granted on the project: the one
// grant outside the app's own resources, made only when the app declares a
// collection. It is an unconditional binding: a condition on the database
// name would keep no stage apart on the shared (default) database.
const roleFirestore = "roles/datastore.user"

// projectPolicy lets cloud.google.com/go/iam's Handle read and write a
// project's policy through the Resource Manager v3 Projects service (which
// is not the google.iam.v1.IAMPolicy service the Handle's own client calls).
type projectPolicy struct {
	c *resourcemanager.ProjectsClient
}

func (p projectPolicy) Get(ctx context.Context, resource string) (*iampb.Policy, error) {
	return p.c.GetIamPolicy(ctx, &iampb.GetIamPolicyRequest{Resource: resource})
}

func (p projectPolicy) GetWithVersion(ctx context.Context, resource string, v int32) (*iampb.Policy, error) {
	return p.c.GetIamPolicy(ctx, &iampb.GetIamPolicyRequest{Resource: resource, Options: &iampb.GetPolicyOptions{RequestedPolicyVersion: v}})
}

func (p projectPolicy) Set(ctx context.Context, resource string, policy *iampb.Policy) error {
	_, err := p.c.SetIamPolicy(ctx, &iampb.SetIamPolicyRequest{Resource: resource, Policy: policy})
	return err
}

func (p projectPolicy) Test(ctx context.Context, resource string, perms []string) ([]string, error) {
	res, err := p.c.TestIamPermissions(ctx, &iampb.TestIamPermissionsRequest{Resource: resource, Permissions: perms})
	if err != nil {
		return nil, err
	}
	return res.GetPermissions(), nil
}

// projectIAM is the project's policy at version 3, so that read-modify-write
// keeps any conditional bindings others made (a version 1 read returns them
// renamed, and writing those back is refused).
func (e *env) projectIAM() *iam.Handle3 {
	return iam.InternalNewHandleClient(projectPolicy{e.c.rm}, "projects/"+e.project).V3()
}

// hasMember reports whether p binds member to role without a condition.
func hasMember(p *iam.Policy3, role, member string) bool {
	for _, b := range p.Bindings {
		if b.GetRole() == role && b.GetCondition() == nil && slices.Contains(b.GetMembers(), member) {
			return true
		}
	}
	return false
}

// addMember binds member to role without a condition.
func addMember(p *iam.Policy3, role, member string) {
	for _, b := range p.Bindings {
		if b.GetRole() == role && b.GetCondition() == nil {
			b.Members = append(b.Members, member)
			return
		}
	}
	p.Bindings = append(p.Bindings, &iampb.Binding{Role: role, Members: []string{member}})
}

// removeMember drops member from role's unconditional binding, and the
// binding when it is left empty; it reports whether it changed p.
func removeMember(p *iam.Policy3, role, member string) bool {
	for i, b := range p.Bindings {
		if b.GetRole() != role || b.GetCondition() != nil || !slices.Contains(b.GetMembers(), member) {
			continue
		}
		b.Members = slices.DeleteFunc(b.Members, func(m string) bool { return m == member })
		if len(b.Members) == 0 {
			p.Bindings = slices.Delete(p.Bindings, i, i+1)
		}
		return true
	}
	return false
}

// planProjectGrants grants the runtime account roles/datastore.user on the
// project when the app declares a collection.
func planProjectGrants(ctx context.Context, e *env) ([]step, int, error) {
	if len(e.declared(sdk.KindCollection)) == 0 {
		return nil, 0, nil
	}
	member := "serviceAccount:" + e.saEmail(e.runtimeSA())
	h := e.projectIAM()
	p, err := h.Policy(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the project's IAM policy: %w", err)
	}
	if hasMember(p, roleFirestore, member) {
		return nil, 1, nil
	}
	return []step{{deploy.Change{Action: deploy.Create, Kind: kindGrant, Name: "projects/" + e.project + " " + roleFirestore + " " + member}, func(ctx context.Context) error {
		p, err := h.Policy(ctx)
		if err != nil {
			return err
		}
		if hasMember(p, roleFirestore, member) {
			return nil
		}
		addMember(p, roleFirestore, member)
		return h.SetPolicy(ctx, p)
	}}}, 0, nil
}

// destroyProjectGrants removes the runtime account's project binding
// (before the account goes: a deleted account's bindings would linger as
// deleted:serviceAccount:… members).
func destroyProjectGrants(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	member := "serviceAccount:" + e.saEmail(e.runtimeSA())
	h := e.projectIAM()
	p, err := h.Policy(ctx)
	if err != nil {
		return fmt.Errorf("reading the project's IAM policy: %w", err)
	}
	if !removeMember(p, roleFirestore, member) {
		return nil
	}
	if err := h.SetPolicy(ctx, p); err != nil {
		return fmt.Errorf("removing %s %s from the project: %w", roleFirestore, member, err)
	}
	e.deleted(res, kindGrant, "projects/"+e.project+" "+roleFirestore+" "+member)
	return nil
}
