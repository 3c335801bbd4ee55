package gcpdeploy

// Fakes of the IAM admin (service accounts), Cloud Run v2 (the services'
// IAM policies) and Cloud Scheduler control planes, built on the client
// packages' generated Register…Server interfaces like fakeFunctions. They
// keep state and reject what the real APIs reject (cloudscheduler-api.json,
// iam-api.json, run-api.json in /work/shared/schemas/gcp).

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cloud.google.com/go/iam/admin/apiv1/adminpb"
	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/run/apiv2/runpb"
	"cloud.google.com/go/scheduler/apiv1/schedulerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

var (
	saIDRE   = regexp.MustCompile(`^[a-z]([-a-z0-9]{4,28}[a-z0-9])$`)
	saNameRE = regexp.MustCompile(`^projects/[^/]+/serviceAccounts/[^/]+@[^/]+\.iam\.gserviceaccount\.com$`)
	jobRE    = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/jobs/[A-Za-z0-9_-]{1,500}$`)
	cronRE   = regexp.MustCompile(`^\S+ \S+ \S+ \S+ \S+$`)
	memberRE = regexp.MustCompile(`^(allUsers|allAuthenticatedUsers|(user|serviceAccount|group|domain):\S+)$`)
)

// fakeIAM is the IAM admin service: service accounts only.
type fakeIAM struct {
	adminpb.UnimplementedIAMServer
	mu  sync.Mutex
	sas map[string]*adminpb.ServiceAccount // by email
}

func (f *fakeIAM) exists(email string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sas[email] != nil
}

func emailOf(name string) string { return name[strings.LastIndex(name, "/")+1:] }

func (f *fakeIAM) CreateServiceAccount(_ context.Context, r *adminpb.CreateServiceAccountRequest) (*adminpb.ServiceAccount, error) {
	if !strings.HasPrefix(r.GetName(), "projects/") || strings.Count(r.GetName(), "/") != 1 {
		return nil, status.Errorf(codes.InvalidArgument, "name %q must be projects/{project}", r.GetName())
	}
	if !saIDRE.MatchString(r.GetAccountId()) {
		return nil, status.Errorf(codes.InvalidArgument, "account_id %q must match %s", r.GetAccountId(), saIDRE)
	}
	project := strings.TrimPrefix(r.GetName(), "projects/")
	email := r.GetAccountId() + "@" + project + ".iam.gserviceaccount.com"
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sas[email] != nil {
		return nil, status.Errorf(codes.AlreadyExists, "service account %s already exists", email)
	}
	sa := proto.Clone(r.GetServiceAccount()).(*adminpb.ServiceAccount)
	sa.Name, sa.Email, sa.ProjectId = r.GetName()+"/serviceAccounts/"+email, email, project
	f.sas[email] = sa
	return sa, nil
}

func (f *fakeIAM) GetServiceAccount(_ context.Context, r *adminpb.GetServiceAccountRequest) (*adminpb.ServiceAccount, error) {
	if !saNameRE.MatchString(r.GetName()) {
		return nil, status.Errorf(codes.InvalidArgument, "name %q must be projects/*/serviceAccounts/EMAIL", r.GetName())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if sa := f.sas[emailOf(r.GetName())]; sa != nil {
		return proto.Clone(sa).(*adminpb.ServiceAccount), nil
	}
	return nil, status.Errorf(codes.NotFound, "service account %s not found", r.GetName())
}

func (f *fakeIAM) DeleteServiceAccount(_ context.Context, r *adminpb.DeleteServiceAccountRequest) (*emptypb.Empty, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sas[emailOf(r.GetName())] == nil {
		return nil, status.Errorf(codes.NotFound, "service account %s not found", r.GetName())
	}
	delete(f.sas, emailOf(r.GetName()))
	return &emptypb.Empty{}, nil
}

// fakeRun is the Cloud Run v2 Services service: the IAM policies of the
// services behind the fake functions.
type fakeRun struct {
	runpb.UnimplementedServicesServer
	serviceExists func(name string) bool
	saExists      func(email string) bool
	mu            sync.Mutex
	policies      map[string]*iampb.Policy
	etag          int
}

func (f *fakeRun) policy(svc string) *iampb.Policy {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.policies[svc]; p != nil {
		return proto.Clone(p).(*iampb.Policy)
	}
	return &iampb.Policy{}
}

func (f *fakeRun) GetIamPolicy(_ context.Context, r *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	if !f.serviceExists(r.GetResource()) {
		return nil, status.Errorf(codes.NotFound, "service %s not found", r.GetResource())
	}
	return f.policy(r.GetResource()), nil
}

func (f *fakeRun) SetIamPolicy(_ context.Context, r *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	if !f.serviceExists(r.GetResource()) {
		return nil, status.Errorf(codes.NotFound, "service %s not found", r.GetResource())
	}
	for _, b := range r.GetPolicy().GetBindings() {
		if !strings.HasPrefix(b.GetRole(), "roles/") {
			return nil, status.Errorf(codes.InvalidArgument, "role %q", b.GetRole())
		}
		for _, m := range b.GetMembers() {
			if !memberRE.MatchString(m) {
				return nil, status.Errorf(codes.InvalidArgument, "member %q", m)
			}
			if e, ok := strings.CutPrefix(m, "serviceAccount:"); ok && !f.saExists(e) {
				return nil, status.Errorf(codes.InvalidArgument, "service account %s does not exist", e)
			}
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := f.policies[r.GetResource()]
	if tag := r.GetPolicy().GetEtag(); len(tag) > 0 && cur != nil && string(tag) != string(cur.GetEtag()) {
		return nil, status.Errorf(codes.Aborted, "etag mismatch: concurrent policy change")
	}
	f.etag++
	p := proto.Clone(r.GetPolicy()).(*iampb.Policy)
	p.Etag = []byte(strconv.Itoa(f.etag))
	f.policies[r.GetResource()] = p
	return proto.Clone(p).(*iampb.Policy), nil
}

// fakeScheduler is the Cloud Scheduler service.
type fakeScheduler struct {
	schedulerpb.UnimplementedCloudSchedulerServer
	saExists func(email string) bool
	mu       sync.Mutex
	jobs     map[string]*schedulerpb.Job
}

func (f *fakeScheduler) job(name string) *schedulerpb.Job {
	f.mu.Lock()
	defer f.mu.Unlock()
	if j := f.jobs[name]; j != nil {
		return proto.Clone(j).(*schedulerpb.Job)
	}
	return nil
}

func (f *fakeScheduler) validate(j *schedulerpb.Job) error {
	bad := func(format string, a ...any) error { return status.Errorf(codes.InvalidArgument, format, a...) }
	if !jobRE.MatchString(j.GetName()) {
		return bad("job name %q must be projects/*/locations/*/jobs/[A-Za-z0-9_-]{1,500}", j.GetName())
	}
	if !cronRE.MatchString(j.GetSchedule()) {
		return bad("schedule %q is not a unix-cron expression", j.GetSchedule())
	}
	t := j.GetHttpTarget()
	if t == nil || !strings.HasPrefix(t.GetUri(), "https://") {
		return bad("http_target.uri must be an https URL, got %q", t.GetUri())
	}
	if o := t.GetOidcToken(); o != nil && !f.saExists(o.GetServiceAccountEmail()) {
		return bad("oidc_token.service_account_email %q does not exist", o.GetServiceAccountEmail())
	}
	return nil
}

func (f *fakeScheduler) CreateJob(_ context.Context, r *schedulerpb.CreateJobRequest) (*schedulerpb.Job, error) {
	j := proto.Clone(r.GetJob()).(*schedulerpb.Job)
	if !strings.HasPrefix(j.GetName(), r.GetParent()+"/jobs/") {
		return nil, status.Errorf(codes.InvalidArgument, "job name %q is not under %q", j.GetName(), r.GetParent())
	}
	if err := f.validate(j); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.jobs[j.Name] != nil {
		return nil, status.Errorf(codes.AlreadyExists, "job %s exists", j.Name)
	}
	j.State = schedulerpb.Job_ENABLED
	f.jobs[j.Name] = j
	return proto.Clone(j).(*schedulerpb.Job), nil
}

func (f *fakeScheduler) UpdateJob(_ context.Context, r *schedulerpb.UpdateJobRequest) (*schedulerpb.Job, error) {
	j := proto.Clone(r.GetJob()).(*schedulerpb.Job)
	if f.job(j.GetName()) == nil {
		return nil, status.Errorf(codes.NotFound, "job %s not found", j.GetName())
	}
	if err := f.validate(j); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	j.State = schedulerpb.Job_ENABLED
	f.jobs[j.Name] = j
	return proto.Clone(j).(*schedulerpb.Job), nil
}

func (f *fakeScheduler) GetJob(_ context.Context, r *schedulerpb.GetJobRequest) (*schedulerpb.Job, error) {
	if j := f.job(r.GetName()); j != nil {
		return j, nil
	}
	return nil, status.Errorf(codes.NotFound, "job %s not found", r.GetName())
}

func (f *fakeScheduler) ListJobs(_ context.Context, r *schedulerpb.ListJobsRequest) (*schedulerpb.ListJobsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	res := &schedulerpb.ListJobsResponse{}
	for name, j := range f.jobs {
		if strings.HasPrefix(name, r.GetParent()+"/jobs/") {
			res.Jobs = append(res.Jobs, proto.Clone(j).(*schedulerpb.Job))
		}
	}
	slices.SortFunc(res.Jobs, func(a, b *schedulerpb.Job) int { return strings.Compare(a.Name, b.Name) })
	return res, nil
}

func (f *fakeScheduler) DeleteJob(_ context.Context, r *schedulerpb.DeleteJobRequest) (*emptypb.Empty, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.jobs[r.GetName()] == nil {
		return nil, status.Errorf(codes.NotFound, "job %s not found", r.GetName())
	}
	delete(f.jobs, r.GetName())
	return &emptypb.Empty{}, nil
}

// fakePolicies is the google.iam.v1.IAMPolicy service pstest lacks,
// registered on pstest's own gRPC server: the topics' and subscriptions'
// policies.
type fakePolicies struct {
	iampb.UnimplementedIAMPolicyServer
	exists   func(resource string) bool
	saExists func(email string) bool
	mu       sync.Mutex
	policies map[string]*iampb.Policy
	etag     int
}

func (f *fakePolicies) policy(resource string) *iampb.Policy {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.policies[resource]; p != nil {
		return proto.Clone(p).(*iampb.Policy)
	}
	return &iampb.Policy{}
}

func (f *fakePolicies) GetIamPolicy(_ context.Context, r *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	if !f.exists(r.GetResource()) {
		return nil, status.Errorf(codes.NotFound, "resource %s not found", r.GetResource())
	}
	return f.policy(r.GetResource()), nil
}

func (f *fakePolicies) SetIamPolicy(_ context.Context, r *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	if !f.exists(r.GetResource()) {
		return nil, status.Errorf(codes.NotFound, "resource %s not found", r.GetResource())
	}
	if err := checkBindings(r.GetPolicy(), f.saExists); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if cur := f.policies[r.GetResource()]; cur != nil && len(r.GetPolicy().GetEtag()) > 0 && string(cur.GetEtag()) != string(r.GetPolicy().GetEtag()) {
		return nil, status.Errorf(codes.Aborted, "etag mismatch: concurrent policy change")
	}
	f.etag++
	p := proto.Clone(r.GetPolicy()).(*iampb.Policy)
	p.Etag = []byte(strconv.Itoa(f.etag))
	f.policies[r.GetResource()] = p
	return proto.Clone(p).(*iampb.Policy), nil
}

// checkBindings rejects a policy with a malformed role or member, or a
// service account that does not exist.
func checkBindings(p *iampb.Policy, saExists func(string) bool) error {
	for _, b := range p.GetBindings() {
		if !strings.HasPrefix(b.GetRole(), "roles/") {
			return status.Errorf(codes.InvalidArgument, "role %q", b.GetRole())
		}
		for _, m := range b.GetMembers() {
			if !memberRE.MatchString(m) {
				return status.Errorf(codes.InvalidArgument, "member %q", m)
			}
			if e, ok := strings.CutPrefix(m, "serviceAccount:"); ok && !saExists(e) {
				return status.Errorf(codes.InvalidArgument, "service account %s does not exist", e)
			}
		}
	}
	return nil
}
