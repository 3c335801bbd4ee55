package gcpdeploy

import (
	"context"

	"cloud.google.com/go/iam"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindGrant is a role for the runtime service account on one resource:
// least privilege, on that resource only.
const kindGrant = "iam-binding"

// The roles the runtime account gets, by resource kind, on that resource
// only. Firestore's role is granted on the project (projectgrant.go).
const (
	roleTopic  = "roles/pubsub.publisher"
	roleBucket = "roles/storage.objectAdmin"
)

// grant is one binding to plan: the member, the role, the resource's name,
// whether it exists now (one that does not is about to be created), and
// its IAM handle, resolved when needed (a resource made by an earlier step
// may have no name before it).
type grant struct {
	name, role, member string
	exists             bool
	handle             func(ctx context.Context) (*iam.Handle, error)
}

func (e *env) grants(ctx context.Context) ([]grant, error) {
	var gs []grant
	member := "serviceAccount:" + e.saEmail(e.runtimeSA())
	for _, r := range e.declared(sdk.KindTopic) {
		id := e.topicID(r.Name)
		ok, err := e.c.ps.Topic(id).Exists(ctx)
		if err != nil {
			return nil, err
		}
		gs = append(gs, grant{e.topic(r.Name), roleTopic, member, ok, func(context.Context) (*iam.Handle, error) { return e.c.ps.Topic(id).IAM(), nil }})
	}
	for _, r := range e.declared(sdk.KindBucket) {
		name := e.bucket(r.Name)
		ok, err := bucketExists(ctx, e, name)
		if err != nil {
			return nil, err
		}
		gs = append(gs, grant{name, roleBucket, member, ok, func(context.Context) (*iam.Handle, error) { return e.c.gcs.Bucket(name).IAM(), nil }})
	}
	return gs, nil
}

func planGrants(ctx context.Context, e *env) ([]step, int, error) {
	gs, err := e.grants(ctx)
	if err != nil {
		return nil, 0, err
	}
	return planBindings(ctx, gs)
}

// planBindings plans the grants that are missing: a step per grant reads
// the policy again and adds the binding unless it is there.
func planBindings(ctx context.Context, gs []grant) ([]step, int, error) {
	var steps []step
	same := 0
	for _, g := range gs {
		if g.exists {
			h, err := g.handle(ctx)
			if err != nil {
				return nil, 0, err
			}
			p, err := h.Policy(ctx)
			if err != nil {
				return nil, 0, err
			}
			if p.HasRole(g.member, iam.RoleName(g.role)) {
				same++
				continue
			}
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindGrant, Name: g.name + " " + g.role + " " + g.member}, func(ctx context.Context) error {
			h, err := g.handle(ctx)
			if err != nil {
				return err
			}
			p, err := h.Policy(ctx)
			if err != nil {
				return err
			}
			if p.HasRole(g.member, iam.RoleName(g.role)) {
				return nil
			}
			p.Add(g.member, iam.RoleName(g.role))
			return h.SetPolicy(ctx, p)
		}})
	}
	return steps, same, nil
}
