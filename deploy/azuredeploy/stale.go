package azuredeploy

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"

	"github.com/faaskit/faas/deploy"
)

// Templates deploy incrementally, which never deletes: what a new app
// template no longer declares (a topic, a Message function's
// subscription, a role assignment) is found by comparing it with the
// template last deployed (DeploymentsClient.ExportTemplate, a read-only
// POST, made only when the app template changed) and deleted by ID. The
// Event Grid subscriptions of removed BlobEvent functions are found by
// listing the system topic's. Data (the data group's containers and
// collections) is never deleted by deploy.

// staleResources returns delete steps for the resources of the deployed
// app template that tpl lacks, children before their parents.
func (e *env) staleResources(ctx context.Context, tpl *Template) ([]step, error) {
	res, err := e.c.deployments.ExportTemplate(ctx, e.appGroup(), deploymentApp, nil)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: reading the deployed template: %w", err)
	}
	b, err := json.Marshal(res.Template)
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: reading the deployed template: %w", err)
	}
	var old Template
	if err := json.Unmarshal(b, &old); err != nil {
		return nil, fmt.Errorf("azuredeploy: reading the deployed template: %w", err)
	}
	want := map[string]bool{}
	for _, r := range tpl.Resources {
		want[r.Type+"|"+r.Name] = true
	}
	var gone []Resource
	for _, r := range old.Resources {
		if !want[r.Type+"|"+r.Name] && r.ResourceGroup == "" && r.Type != "Microsoft.Resources/deployments" {
			gone = append(gone, r)
		}
	}
	sort.SliceStable(gone, func(i, j int) bool { return strings.Count(gone[i].Type, "/") > strings.Count(gone[j].Type, "/") })
	var steps []step
	for _, r := range gone {
		id := e.resourceID(r)
		steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: r.Type, Name: r.Name}, func(ctx context.Context) error {
			p, err := e.c.resources.BeginDeleteByID(ctx, id, r.APIVersion, nil)
			if notFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			_, err = p.PollUntilDone(ctx, azruntimePoll{e.c.poll}.opts())
			if notFound(err) {
				return nil
			}
			return err
		}})
	}
	return steps, nil
}

// resourceID is the ID of a template resource of the app group: the type's
// segments interleaved with the name's, under its scope if it has one.
func (e *env) resourceID(r Resource) string {
	base := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", e.c.sub, e.appGroup())
	if r.Scope != "" {
		ns, rest, _ := strings.Cut(r.Scope, "/")
		typ, name, _ := strings.Cut(rest, "/")
		base += "/providers/" + ns + "/" + typ + "/" + name
	}
	ns, types, _ := strings.Cut(r.Type, "/")
	id := base + "/providers/" + ns
	names := strings.Split(r.Name, "/")
	for i, t := range strings.Split(types, "/") {
		if i < len(names) {
			id += "/" + t + "/" + names[i]
		}
	}
	return id
}

// staleSubscriptions returns delete steps for the system topic's Event
// Grid subscriptions that no BlobEvent function declares.
func (e *env) staleSubscriptions(ctx context.Context) ([]step, error) {
	want := map[string]bool{}
	for _, b := range e.blobSubscriptions() {
		want[b.name] = true
	}
	var steps []step
	pager := e.c.subs.NewListBySystemTopicPager(e.appGroup(), e.systemTopic(), nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if notFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("azuredeploy: listing the Event Grid subscriptions: %w", err)
		}
		for _, s := range page.Value {
			name := to.Ptr(str(s.Name))
			if want[*name] {
				continue
			}
			steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: "eventgrid-subscription", Name: *name}, func(ctx context.Context) error {
				p, err := e.c.subs.BeginDelete(ctx, e.appGroup(), e.systemTopic(), *name, nil)
				if notFound(err) {
					return nil
				}
				if err != nil {
					return err
				}
				_, err = p.PollUntilDone(ctx, azruntimePoll{e.c.poll}.opts())
				return err
			}})
		}
	}
	return steps, nil
}
