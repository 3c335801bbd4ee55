package gcpdeploy

// A fake of the Resource Manager v3 Projects service (the project's IAM
// policy only), built on resourcemanagerpb's generated RegisterProjectsServer
// and reached by the real client through option.WithEndpoint; no emulator
// covers it, and ../shared/schemas/gcp has no discovery document for it, so
// it follows the API's documented policy rules: a read below version 3
// returns conditional bindings renamed (<role>_withcond_<n>) and a write of
// such a role is refused, a conditional binding needs version 3, and a
// stale etag is refused.

import (
	"context"
	"strconv"
	"strings"

	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/resourcemanager/apiv3/resourcemanagerpb"
	"google.golang.org/genproto/googleapis/type/expr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

type fakeProjects struct {
	resourcemanagerpb.UnimplementedProjectsServer
	pol *fakePolicies
}

func newFakeProjects(saExists func(string) bool) *fakeProjects {
	project := "projects/" + testProject
	pol := &fakePolicies{saExists: saExists, exists: func(r string) bool { return r == project }, policies: map[string]*iampb.Policy{}}
	// What a project already has: its owner, and a conditional binding
	// someone else made, which a deploy must keep.
	pol.policies[project] = &iampb.Policy{Version: 3, Etag: []byte("0"), Bindings: []*iampb.Binding{
		{Role: "roles/owner", Members: []string{"user:owner@example.com"}},
		{Role: "roles/storage.objectViewer", Members: []string{"group:auditors@example.com"},
			Condition: &expr.Expr{Title: "until 2027", Expression: `request.time < timestamp("2027-01-01T00:00:00Z")`}},
	}}
	return &fakeProjects{pol: pol}
}

func (f *fakeProjects) GetIamPolicy(ctx context.Context, r *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	p, err := f.pol.GetIamPolicy(ctx, r)
	if err != nil || r.GetOptions().GetRequestedPolicyVersion() >= 3 {
		return p, err
	}
	p.Version = 1
	for i, b := range p.Bindings {
		if b.Condition != nil {
			b.Role += "_withcond_" + strconv.Itoa(i)
			b.Condition = nil
		}
	}
	return p, nil
}

func (f *fakeProjects) SetIamPolicy(ctx context.Context, r *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	for _, b := range r.GetPolicy().GetBindings() {
		if strings.Contains(b.GetRole(), "_withcond_") {
			return nil, status.Errorf(codes.InvalidArgument, "role %q: a conditional binding read at version 1 cannot be written back; use policy version 3", b.GetRole())
		}
		if b.GetCondition() != nil && r.GetPolicy().GetVersion() < 3 {
			return nil, status.Errorf(codes.InvalidArgument, "a policy with conditions must have version 3")
		}
	}
	cur := f.pol.policy(r.GetResource())
	if hasCondition(cur) && !hasCondition(r.GetPolicy()) {
		return nil, status.Errorf(codes.InvalidArgument, "the policy drops conditional bindings: read it at version 3 first")
	}
	return f.pol.SetIamPolicy(ctx, r)
}

func hasCondition(p *iampb.Policy) bool {
	for _, b := range p.GetBindings() {
		if b.GetCondition() != nil {
			return true
		}
	}
	return false
}

// members returns the members bound to role without a condition.
func (f *fakeProjects) members(role string) []string {
	p := f.pol.policy("projects/" + testProject)
	for _, b := range p.GetBindings() {
		if b.GetRole() == role && b.GetCondition() == nil {
			return proto.Clone(b).(*iampb.Binding).GetMembers()
		}
	}
	return nil
}
