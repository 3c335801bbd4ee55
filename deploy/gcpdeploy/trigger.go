package gcpdeploy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"cloud.google.com/go/eventarc/apiv1/eventarcpb"
	"google.golang.org/api/iterator"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/providers/gcf"
	"github.com/faaskit/faas/sdk"
)

// kindTrigger is an Eventarc trigger of its own: a function has one event
// trigger, so a BlobEvent function's "deleted" events (its "created"
// ones use the function's trigger) come through a second trigger to the
// same Cloud Run service.
const kindTrigger = "eventarc-trigger"

func (n names) trigger(fn string) string {
	return n.location() + "/triggers/" + n.functionID(fn) + "-deleted"
}

func (e *env) desiredTrigger(fm *sdk.FunctionManifest) *eventarcpb.Trigger {
	return &eventarcpb.Trigger{
		Name: e.trigger(fm.Name),
		EventFilters: []*eventarcpb.EventFilter{
			{Attribute: "type", Value: gcf.TypeObjectDeleted},
			{Attribute: "bucket", Value: e.bucketOf(fm.Blob.Bucket)},
		},
		ServiceAccount: e.saEmail(e.invokerSA()),
		Destination: &eventarcpb.Destination{Descriptor_: &eventarcpb.Destination_CloudRun{
			CloudRun: &eventarcpb.CloudRun{Service: e.functionID(fm.Name), Region: e.region}}},
		Labels: e.labels(),
	}
}

func triggerDiffs(live, want *eventarcpb.Trigger) []deploy.Diff {
	filters := func(t *eventarcpb.Trigger) string {
		s := ""
		for _, f := range t.GetEventFilters() {
			s += f.GetAttribute() + "=" + f.GetValue() + " "
		}
		return s
	}
	var d []deploy.Diff
	add := func(field, old, new string) {
		if old != new {
			d = append(d, deploy.Diff{Field: field, Old: old, New: new})
		}
	}
	add("event_filters", filters(live), filters(want))
	add("service_account", live.GetServiceAccount(), want.GetServiceAccount())
	add("destination", live.GetDestination().GetCloudRun().GetService(), want.GetDestination().GetCloudRun().GetService())
	return d
}

// liveTriggers lists the Eventarc triggers this app+stage owns (by label);
// the ones Cloud Functions manages for the functions' own event triggers
// carry no faas labels.
func (e *env) liveTriggers(ctx context.Context) (map[string]*eventarcpb.Trigger, error) {
	live := map[string]*eventarcpb.Trigger{}
	it := e.c.arc.ListTriggers(ctx, &eventarcpb.ListTriggersRequest{Parent: e.location()})
	for {
		t, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return live, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing Eventarc triggers: %w", err)
		}
		if e.owns(t.GetLabels()) {
			live[t.GetName()] = t
		}
	}
}

func planTriggers(ctx context.Context, e *env) ([]step, int, error) {
	live, err := e.liveTriggers(ctx)
	if err != nil {
		return nil, 0, err
	}
	var steps []step
	same := 0
	for i := range e.t.Manifest.Functions {
		fm := &e.t.Manifest.Functions[i]
		if fm.Blob == nil || !slices.Contains(fm.Blob.Events, sdk.BlobDeleted) {
			continue
		}
		want := e.desiredTrigger(fm)
		cur := live[want.Name]
		delete(live, want.Name)
		switch {
		case cur == nil:
			steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindTrigger, Name: want.Name}, func(ctx context.Context) error {
				op, err := e.c.arc.CreateTrigger(ctx, &eventarcpb.CreateTriggerRequest{Parent: e.location(), TriggerId: want.Name[len(e.location()+"/triggers/"):], Trigger: want})
				if err != nil {
					return err
				}
				_, err = op.Wait(ctx)
				return err
			}})
		case len(triggerDiffs(cur, want)) > 0:
			steps = append(steps, step{deploy.Change{Action: deploy.Update, Kind: kindTrigger, Name: want.Name, Diffs: triggerDiffs(cur, want)}, func(ctx context.Context) error {
				op, err := e.c.arc.UpdateTrigger(ctx, &eventarcpb.UpdateTriggerRequest{Trigger: want,
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"event_filters", "service_account", "destination"}}})
				if err != nil {
					return err
				}
				_, err = op.Wait(ctx)
				return err
			}})
		default:
			same++
		}
	}
	for _, name := range slices.Sorted(maps.Keys(live)) {
		steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: kindTrigger, Name: name}, func(ctx context.Context) error {
			return e.deleteTrigger(ctx, name)
		}})
	}
	return steps, same, nil
}

func (e *env) deleteTrigger(ctx context.Context, name string) error {
	op, err := e.c.arc.DeleteTrigger(ctx, &eventarcpb.DeleteTriggerRequest{Name: name})
	if err != nil {
		return err
	}
	_, err = op.Wait(ctx)
	return err
}

func destroyTriggers(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	live, err := e.liveTriggers(ctx)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(live)) {
		if err := e.deleteTrigger(ctx, name); err != nil && !isNotFound(err) {
			return err
		}
		e.deleted(res, kindTrigger, name)
	}
	return nil
}
