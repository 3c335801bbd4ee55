package gcpdeploy

// A fake of the Eventarc control plane on eventarcpb's generated
// RegisterEventarcServer, sharing fakeFunctions' long-running operations.
// It rejects what eventarc-api.json requires: an ID, a type filter, a
// destination service that exists, an existing service account.

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"

	"cloud.google.com/go/eventarc/apiv1/eventarcpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

var triggerIDRE = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

type fakeEventarc struct {
	eventarcpb.UnimplementedEventarcServer
	ops           *fakeFunctions // runs the operations
	serviceExists func(name string) bool
	saExists      func(email string) bool
	mu            sync.Mutex
	triggers      map[string]*eventarcpb.Trigger
}

func (f *fakeEventarc) trigger(name string) *eventarcpb.Trigger {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.triggers[name]; t != nil {
		return proto.Clone(t).(*eventarcpb.Trigger)
	}
	return nil
}

func (f *fakeEventarc) validate(t *eventarcpb.Trigger) error {
	bad := func(format string, a ...any) error { return status.Errorf(codes.InvalidArgument, format, a...) }
	if !slices.ContainsFunc(t.GetEventFilters(), func(ef *eventarcpb.EventFilter) bool { return ef.GetAttribute() == "type" && ef.GetValue() != "" }) {
		return bad("event_filters must include the type attribute")
	}
	cr := t.GetDestination().GetCloudRun()
	if cr.GetService() == "" || cr.GetRegion() == "" {
		return bad("destination.cloud_run.service and region are required")
	}
	loc := t.GetName()[:strings.Index(t.GetName(), "/triggers/")]
	if !f.serviceExists(loc[:strings.LastIndex(loc, "/locations/")] + "/locations/" + cr.GetRegion() + "/services/" + cr.GetService()) {
		return status.Errorf(codes.FailedPrecondition, "Cloud Run service %s does not exist", cr.GetService())
	}
	if sa := t.GetServiceAccount(); sa != "" && !f.saExists(sa) {
		return bad("service_account %q does not exist", sa)
	}
	return nil
}

func (f *fakeEventarc) CreateTrigger(_ context.Context, r *eventarcpb.CreateTriggerRequest) (*longrunningOp, error) {
	if !locationRE.MatchString(r.GetParent()) || !triggerIDRE.MatchString(r.GetTriggerId()) {
		return nil, status.Errorf(codes.InvalidArgument, "parent %q / trigger_id %q", r.GetParent(), r.GetTriggerId())
	}
	t := proto.Clone(r.GetTrigger()).(*eventarcpb.Trigger)
	t.Name = r.GetParent() + "/triggers/" + r.GetTriggerId()
	if err := f.validate(t); err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.triggers[t.Name] != nil {
		f.mu.Unlock()
		return nil, status.Errorf(codes.AlreadyExists, "trigger %s exists", t.Name)
	}
	f.triggers[t.Name] = t
	f.mu.Unlock()
	f.ops.mu.Lock()
	defer f.ops.mu.Unlock()
	return f.ops.operation(t)
}

func (f *fakeEventarc) UpdateTrigger(_ context.Context, r *eventarcpb.UpdateTriggerRequest) (*longrunningOp, error) {
	cur := f.trigger(r.GetTrigger().GetName())
	if cur == nil {
		return nil, status.Errorf(codes.NotFound, "trigger %s not found", r.GetTrigger().GetName())
	}
	for _, p := range r.GetUpdateMask().GetPaths() {
		switch p {
		case "event_filters":
			cur.EventFilters = r.GetTrigger().GetEventFilters()
		case "service_account":
			cur.ServiceAccount = r.GetTrigger().GetServiceAccount()
		case "destination":
			cur.Destination = r.GetTrigger().GetDestination()
		case "labels":
			cur.Labels = r.GetTrigger().GetLabels()
		default:
			return nil, status.Errorf(codes.InvalidArgument, "update_mask path %q", p)
		}
	}
	if err := f.validate(cur); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.triggers[cur.Name] = cur
	f.mu.Unlock()
	f.ops.mu.Lock()
	defer f.ops.mu.Unlock()
	return f.ops.operation(cur)
}

func (f *fakeEventarc) GetTrigger(_ context.Context, r *eventarcpb.GetTriggerRequest) (*eventarcpb.Trigger, error) {
	if t := f.trigger(r.GetName()); t != nil {
		return t, nil
	}
	return nil, status.Errorf(codes.NotFound, "trigger %s not found", r.GetName())
}

func (f *fakeEventarc) ListTriggers(_ context.Context, r *eventarcpb.ListTriggersRequest) (*eventarcpb.ListTriggersResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	res := &eventarcpb.ListTriggersResponse{}
	for name, t := range f.triggers {
		if strings.HasPrefix(name, r.GetParent()+"/triggers/") {
			res.Triggers = append(res.Triggers, proto.Clone(t).(*eventarcpb.Trigger))
		}
	}
	slices.SortFunc(res.Triggers, func(a, b *eventarcpb.Trigger) int { return strings.Compare(a.Name, b.Name) })
	return res, nil
}

func (f *fakeEventarc) DeleteTrigger(_ context.Context, r *eventarcpb.DeleteTriggerRequest) (*longrunningOp, error) {
	f.mu.Lock()
	if f.triggers[r.GetName()] == nil {
		f.mu.Unlock()
		return nil, status.Errorf(codes.NotFound, "trigger %s not found", r.GetName())
	}
	t := f.triggers[r.GetName()]
	delete(f.triggers, r.GetName())
	f.mu.Unlock()
	f.ops.mu.Lock()
	defer f.ops.mu.Unlock()
	return f.ops.operation(t)
}
