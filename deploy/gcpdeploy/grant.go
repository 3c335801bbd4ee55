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

// The roles the runtime account gets, by resource kind. Firestore has no
// per-collection IAM: its role (roles/datastore.user) is granted on the
// project, which the deployer leaves to the project's owner (see README).
const (
	roleTopic  = "roles/pubsub.publisher"
	roleBucket = "roles/storage.objectAdmin"
)

// grant is one binding to plan: the resource's IAM handle, its name and
// whether it exists now (one that does not is about to be created).
type grant struct {
	name, role string
	exists     bool
	handle     func() *iam.Handle
}

func (e *env) grants(ctx context.Context) ([]grant, error) {
	var gs []grant
	for _, r := range e.declared(sdk.KindTopic) {
		id := e.topicID(r.Name)
		ok, err := e.c.ps.Topic(id).Exists(ctx)
		if err != nil {
			return nil, err
		}
		gs = append(gs, grant{e.topic(r.Name), roleTopic, ok, func() *iam.Handle { return e.c.ps.Topic(id).IAM() }})
	}
	for _, r := range e.declared(sdk.KindBucket) {
		name := e.bucket(r.Name)
		ok, err := bucketExists(ctx, e, name)
		if err != nil {
			return nil, err
		}
		gs = append(gs, grant{name, roleBucket, ok, func() *iam.Handle { return e.c.gcs.Bucket(name).IAM() }})
	}
	return gs, nil
}

func planGrants(ctx context.Context, e *env) ([]step, int, error) {
	gs, err := e.grants(ctx)
	if err != nil {
		return nil, 0, err
	}
	member := "serviceAccount:" + e.saEmail(e.runtimeSA())
	var steps []step
	same := 0
	for _, g := range gs {
		if g.exists {
			p, err := g.handle().Policy(ctx)
			if err != nil {
				return nil, 0, err
			}
			if p.HasRole(member, iam.RoleName(g.role)) {
				same++
				continue
			}
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindGrant, Name: g.name + " " + g.role + " " + member}, func(ctx context.Context) error {
			h := g.handle()
			p, err := h.Policy(ctx)
			if err != nil {
				return err
			}
			if p.HasRole(member, iam.RoleName(g.role)) {
				return nil
			}
			p.Add(member, iam.RoleName(g.role))
			return h.SetPolicy(ctx, p)
		}})
	}
	return steps, same, nil
}
