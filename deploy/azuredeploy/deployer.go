package azuredeploy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/eventgrid/armeventgrid/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

var _ deploy.Deployer = Provider{}

// Deployment names of the two templates.
const (
	deploymentData = "faas-data"
	deploymentApp  = "faas-app"
)

// step is one planned change and the calls that make it.
type step struct {
	change deploy.Change
	apply  func(ctx context.Context) error
}

// env is one Plan's view of the target: names, clients, the pinned
// package, the templates and the live groups' tags.
type env struct {
	names
	t             *deploy.Target
	c             *clients
	location      string
	pkg           *pinned
	dataTpl       *Template
	appTpl        *Template
	appHash       string             // the app template's and the Event Grid subscriptions' hash
	dataTags      map[string]*string // nil: the group does not exist
	appTags       map[string]*string
	groupLocation string
}

// state is a Plan's deployer-specific record (deploy.Plan.State).
type state struct {
	t     *deploy.Target
	e     *env
	steps []step
}

func (p Provider) newEnv(ctx context.Context, t *deploy.Target) (*env, error) {
	if t.Manifest == nil {
		return nil, errors.New("azuredeploy: the target has no manifest")
	}
	if err := checkLimits(t); err != nil {
		return nil, err
	}
	c, err := newClients(ctx, t.Settings, p.Deploy)
	if err != nil {
		return nil, err
	}
	e := &env{t: t, c: c, names: names{app: t.App(), stage: t.Stage, sub: c.sub, group: t.Settings["resource-group"]}}
	if e.appTags, err = e.groupTags(ctx, e.appGroup()); err != nil {
		return nil, err
	}
	if e.dataTags, err = e.groupTags(ctx, e.dataGroup()); err != nil {
		return nil, err
	}
	e.location = t.Settings["location"]
	if e.location == "" {
		e.location = e.groupLocation
	}
	return e, nil
}

// groupTags reads a resource group's tags; nil if it does not exist. It
// refuses a group that belongs to another app or stage.
func (e *env) groupTags(ctx context.Context, name string) (map[string]*string, error) {
	g, err := e.c.groups.Get(ctx, name, nil)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: reading resource group %s: %w", name, err)
	}
	tags := g.Tags
	if tags == nil {
		tags = map[string]*string{}
	}
	if str(tags[tagApp]) != e.app || str(tags[tagStage]) != e.stage {
		return nil, fmt.Errorf("azuredeploy: resource group %s exists but is not %s's (tags %s=%q, %s=%q): choose another --resource-group",
			name, e.prefix(), tagApp, str(tags[tagApp]), tagStage, str(tags[tagStage]))
	}
	if g.Location != nil {
		e.groupLocation = *g.Location
	}
	return tags, nil
}

func notFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == 404
}

// Plan implements deploy.Deployer. It decides by the content hashes in
// the groups' tags; only for a changed template in an existing group does
// it ask ARM What-If (a read-only POST) which resources change.
func (p Provider) Plan(ctx context.Context, t *deploy.Target) (*deploy.Plan, error) {
	e, err := p.newEnv(ctx, t)
	if err != nil {
		return nil, err
	}
	if t.Artifact == "" {
		return nil, errors.New("azuredeploy: Plan: the target has no artifact: build first")
	}
	if e.location == "" {
		return nil, errors.New("azuredeploy: no location: pass --location (e.g. --location=westeurope) or set AZURE_LOCATION")
	}
	if e.pkg, err = pinPackage(filepath.Join(t.Artifact, "app.zip"), str(e.appTags[tagKey])); err != nil {
		return nil, err
	}
	g := &templates{n: e.names, m: t.Manifest, location: e.location, key: e.pkg.key, auth: t.Auth}
	e.dataTpl, e.appTpl = g.data(), g.app()
	e.appHash = hashStrings(e.appTpl.Hash(), e.pkg.key, fmt.Sprint(e.blobSubscriptions()))

	pl := &deploy.Plan{Provider: Name, App: t.App(), Stage: t.Stage, Changes: []deploy.Change{}}
	st := &state{t: t, e: e}
	add := func(s step) { st.steps = append(st.steps, s) }

	if e.dataTags == nil {
		add(step{deploy.Change{Action: deploy.Create, Kind: "resource-group", Name: e.dataGroup()}, e.createGroup(e.dataGroup(), nil)})
	}
	dataHash := e.dataTpl.Hash()
	if str(e.dataTags[tagTemplate]) != dataHash {
		chs, same, err := e.whatIf(ctx, e.dataGroup(), deploymentData, e.dataTpl, e.dataTags != nil)
		if err != nil {
			return nil, err
		}
		pl.Unchanged += same
		add(step{deploy.Change{Action: deploy.Update, Kind: "arm-deployment", Name: e.dataGroup() + "/" + deploymentData, Diffs: chs},
			e.deployTemplate(e.dataGroup(), deploymentData, e.dataTpl, map[string]string{tagTemplate: dataHash})})
	} else {
		pl.Unchanged += len(e.dataTpl.Resources)
	}
	if e.appTags == nil {
		add(step{deploy.Change{Action: deploy.Create, Kind: "resource-group", Name: e.appGroup()}, e.createGroup(e.appGroup(), map[string]string{tagKey: e.pkg.key})})
	}
	appChanged := str(e.appTags[tagTemplate]) != e.appHash
	if appChanged {
		// Deleted first: once the new template is deployed, the old one,
		// which names what to delete, is gone.
		if e.appTags != nil {
			stale, err := e.staleSubscriptions(ctx)
			if err != nil {
				return nil, err
			}
			more, err := e.staleResources(ctx, e.appTpl)
			if err != nil {
				return nil, err
			}
			for _, s := range append(stale, more...) {
				add(s)
			}
		}
		chs, same, err := e.whatIf(ctx, e.appGroup(), deploymentApp, e.appTpl, e.appTags != nil)
		if err != nil {
			return nil, err
		}
		pl.Unchanged += same
		add(step{deploy.Change{Action: deploy.Update, Kind: "arm-deployment", Name: e.appGroup() + "/" + deploymentApp, Diffs: chs},
			e.deployTemplate(e.appGroup(), deploymentApp, e.appTpl, nil)})
	} else {
		pl.Unchanged += len(e.appTpl.Resources)
	}
	codeChanged := str(e.appTags[tagPackage]) != e.pkg.sha
	if codeChanged {
		add(step{deploy.Change{Action: deploy.Update, Kind: "function-package", Name: e.site(),
			Diffs: []deploy.Diff{{Field: "sha256", Old: short(str(e.appTags[tagPackage])), New: short(e.pkg.sha)}}},
			func(ctx context.Context) error { return e.c.publish(ctx, e.site(), e.pkg) }})
	} else {
		pl.Unchanged++
	}
	if appChanged {
		for _, bs := range e.blobSubscriptions() {
			add(step{deploy.Change{Action: deploy.Update, Kind: "eventgrid-subscription", Name: bs.name}, e.subscribe(bs)})
		}
	}
	if appChanged || codeChanged {
		add(step{deploy.Change{Action: deploy.Update, Kind: "resource-group-tags", Name: e.appGroup()},
			e.tagGroup(e.appGroup(), e.appTags, map[string]string{tagTemplate: e.appHash, tagPackage: e.pkg.sha, tagKey: e.pkg.key})})
	}
	for _, s := range st.steps {
		pl.Changes = append(pl.Changes, s.change)
	}
	pl.State = st
	return pl, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	if h == "" {
		return "none"
	}
	return h
}

// whatIf summarises, per resource, what deploying tpl into group would
// change; for a group that does not exist yet, every resource is created.
func (e *env) whatIf(ctx context.Context, group, name string, tpl *Template, exists bool) ([]deploy.Diff, int, error) {
	if !exists {
		var ds []deploy.Diff
		for _, r := range tpl.Resources {
			ds = append(ds, deploy.Diff{Field: r.Type + " " + r.Name, Old: "-", New: "create"})
		}
		return ds, 0, nil
	}
	poller, err := e.c.deployments.BeginWhatIf(ctx, group, name, armresources.DeploymentWhatIf{
		Properties: &armresources.DeploymentWhatIfProperties{Mode: to.Ptr(armresources.DeploymentModeIncremental), Template: tpl},
	}, nil)
	if err == nil {
		var res armresources.DeploymentsClientWhatIfResponse
		if res, err = poller.PollUntilDone(ctx, azruntimePoll{e.c.poll}.opts()); err == nil {
			var ds []deploy.Diff
			same := 0
			if res.Properties != nil {
				for _, ch := range res.Properties.Changes {
					ct := ""
					if ch.ChangeType != nil {
						ct = string(*ch.ChangeType)
					}
					if ct == string(armresources.ChangeTypeNoChange) || ct == string(armresources.ChangeTypeIgnore) {
						same++
						continue
					}
					id := str(ch.ResourceID)
					if i := strings.Index(id, "/providers/"); i >= 0 {
						id = id[i+len("/providers/"):]
					}
					ds = append(ds, deploy.Diff{Field: id, Old: "", New: strings.ToLower(ct)})
				}
			}
			return ds, same, nil
		}
	}
	return nil, 0, fmt.Errorf("azuredeploy: What-If %s/%s: %w", group, name, err)
}

func (e *env) createGroup(name string, extra map[string]string) func(context.Context) error {
	return func(ctx context.Context) error {
		tags := map[string]*string{tagApp: to.Ptr(e.app), tagStage: to.Ptr(e.stage)}
		for k, v := range extra {
			tags[k] = to.Ptr(v)
		}
		_, err := e.c.groups.CreateOrUpdate(ctx, name, armresources.ResourceGroup{Location: to.Ptr(e.location), Tags: tags}, nil)
		return err
	}
}

// tagGroup records hashes on a group, after what they describe is done.
func (e *env) tagGroup(name string, old map[string]*string, set map[string]string) func(context.Context) error {
	return func(ctx context.Context) error {
		tags := map[string]*string{tagApp: to.Ptr(e.app), tagStage: to.Ptr(e.stage)}
		for k, v := range old {
			tags[k] = v
		}
		for k, v := range set {
			tags[k] = to.Ptr(v)
		}
		_, err := e.c.groups.Update(ctx, name, armresources.ResourceGroupPatchable{Tags: tags}, nil)
		return err
	}
}

// deployTemplate deploys tpl into group (incremental mode) and waits.
// With setTags, the group's tags then record them.
func (e *env) deployTemplate(group, name string, tpl *Template, setTags map[string]string) func(context.Context) error {
	return func(ctx context.Context) error {
		poller, err := e.c.deployments.BeginCreateOrUpdate(ctx, group, name, armresources.Deployment{
			Properties: &armresources.DeploymentProperties{Mode: to.Ptr(armresources.DeploymentModeIncremental), Template: tpl},
			Tags:       map[string]*string{tagApp: to.Ptr(e.app), tagStage: to.Ptr(e.stage)},
		}, nil)
		if err != nil {
			return err
		}
		if _, err := poller.PollUntilDone(ctx, azruntimePoll{e.c.poll}.opts()); err != nil {
			return err
		}
		if setTags == nil {
			return nil
		}
		old, err := e.groupTags(ctx, group)
		if err != nil {
			return err
		}
		return e.tagGroup(group, old, setTags)(ctx)
	}
}

// blobSub is the Event Grid subscription of one BlobEvent function.
type blobSub struct {
	name, function, container, prefix string
	events                            []string
}

func (e *env) blobSubscriptions() []blobSub {
	var bs []blobSub
	for _, f := range e.t.Manifest.Functions {
		if f.Kind != sdk.KindBlob {
			continue
		}
		b := blobSub{name: f.Name, function: f.Name + "_" + e.pkg.key, container: container(f.Blob.Bucket), prefix: f.Blob.Prefix}
		for _, ev := range f.Blob.Events {
			switch ev {
			case sdk.BlobCreated:
				b.events = append(b.events, "Microsoft.Storage.BlobCreated")
			case sdk.BlobDeleted:
				b.events = append(b.events, "Microsoft.Storage.BlobDeleted")
			}
		}
		bs = append(bs, b)
	}
	return bs
}

func (e *env) systemTopic() string { return e.storage() + "-events" }

// subscribe creates the storage account's system topic, if needed, and
// the function's subscription; the function must exist (after OneDeploy).
func (e *env) subscribe(b blobSub) func(context.Context) error {
	return func(ctx context.Context) error {
		acct := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s", e.c.sub, e.dataGroup(), e.storage())
		tp, err := e.c.topics.BeginCreateOrUpdate(ctx, e.appGroup(), e.systemTopic(), armeventgrid.SystemTopic{
			Location:   to.Ptr(e.location),
			Tags:       map[string]*string{tagApp: to.Ptr(e.app), tagStage: to.Ptr(e.stage)},
			Properties: &armeventgrid.SystemTopicProperties{Source: to.Ptr(acct), TopicType: to.Ptr("Microsoft.Storage.StorageAccounts")},
		}, nil)
		if err != nil {
			return err
		}
		if _, err := tp.PollUntilDone(ctx, azruntimePoll{e.c.poll}.opts()); err != nil {
			return err
		}
		fn := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/sites/%s/functions/%s", e.c.sub, e.appGroup(), e.site(), b.function)
		sp, err := e.c.subs.BeginCreateOrUpdate(ctx, e.appGroup(), e.systemTopic(), b.name, armeventgrid.EventSubscription{
			Properties: &armeventgrid.EventSubscriptionProperties{
				Destination: &armeventgrid.AzureFunctionEventSubscriptionDestination{
					EndpointType: to.Ptr(armeventgrid.EndpointTypeAzureFunction),
					Properties:   &armeventgrid.AzureFunctionEventSubscriptionDestinationProperties{ResourceID: to.Ptr(fn)},
				},
				Filter: &armeventgrid.EventSubscriptionFilter{
					IncludedEventTypes: to.SliceOfPtrs(b.events...),
					SubjectBeginsWith:  to.Ptr("/blobServices/default/containers/" + b.container + "/blobs/" + b.prefix),
				},
				EventDeliverySchema: to.Ptr(armeventgrid.EventDeliverySchemaEventGridSchema),
			},
		}, nil)
		if err != nil {
			return err
		}
		_, err = sp.PollUntilDone(ctx, azruntimePoll{e.c.poll}.opts())
		return err
	}
}

// Apply implements deploy.Deployer: it takes the deploy lock and runs
// the plan's steps in order, each to completion, then releases the lock.
// The hashes are recorded last, so a failure part-way leaves them stale
// and the next Plan redoes the idempotent deployments. An empty plan takes
// no lock and makes no call but the outputs' read.
func (p Provider) Apply(ctx context.Context, t *deploy.Target, pl *deploy.Plan) (*deploy.Outputs, error) {
	st, ok := pl.State.(*state)
	if !ok || st.t != t {
		var err error
		if pl, err = p.Plan(ctx, t); err != nil {
			return nil, err
		}
		st = pl.State.(*state)
	}
	if len(st.steps) > 0 {
		done, err := st.e.run(ctx, st.steps)
		if err != nil {
			ae := &deploy.ApplyError{Err: fmt.Errorf("azuredeploy: %w", err)}
			for i, s := range st.steps {
				if i < done {
					ae.Done = append(ae.Done, s.change)
				} else {
					ae.NotDone = append(ae.NotDone, s.change)
				}
			}
			return nil, ae
		}
	}
	return st.e.outputs(ctx)
}

// run applies steps under the deploy lock and returns how many completed.
// The lock lives in the data group's storage account: until the data
// template has made it, the steps up to that deployment (idempotent) run
// unlocked. A cancelled ctx stops before the next step, never inside one.
func (e *env) run(ctx context.Context, steps []step) (done int, err error) {
	calm := context.WithoutCancel(ctx)
	l, err := e.lock(calm)
	if errors.Is(err, errNoLockContainer) {
		last := -1
		for i, s := range steps {
			if s.change.Kind == "arm-deployment" && s.change.Name == e.dataGroup()+"/"+deploymentData {
				last = i
			}
		}
		if last < 0 {
			return 0, fmt.Errorf("the deploy lock's container %s is missing from storage account %s, whose template is recorded as deployed: "+
				"remove the tag %s from resource group %s so that the next deploy redeploys the data template", lockContainer, e.storage(), tagTemplate, e.dataGroup())
		}
		for ; done <= last; done++ {
			if err := e.runStep(ctx, calm, steps[done]); err != nil {
				return done, err
			}
		}
		e.dataTags = map[string]*string{} // the group exists now
		l, err = e.lock(calm)
	}
	if err != nil {
		return done, err
	}
	defer func() {
		if rerr := l.release(calm); rerr != nil && err == nil {
			err = rerr
		}
	}()
	for _, s := range steps[done:] {
		if err := l.check(); err != nil {
			return done, err
		}
		if err := e.runStep(ctx, calm, s); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// lock takes the deploy lock; without the data group (a first deploy)
// there is nothing to lock yet.
func (e *env) lock(ctx context.Context) (*lock, error) {
	if e.dataTags == nil {
		return nil, errNoLockContainer
	}
	return e.c.acquireLock(ctx, e.dataGroup(), e.storage(), holderName())
}

// runStep runs one step with calm (ctx without its cancellation), unless
// ctx is already done.
func (e *env) runStep(ctx, calm context.Context, s step) error {
	if ctx.Err() != nil {
		return fmt.Errorf("stopped: %w", context.Cause(ctx))
	}
	return deploy.RunChange(calm, e.t, s.change, s.apply)
}

// Outputs implements deploy.Deployer: the URL the app template's
// deployment reports.
func (p Provider) Outputs(ctx context.Context, t *deploy.Target) (*deploy.Outputs, error) {
	e, err := p.newEnv(ctx, t)
	if err != nil {
		return nil, err
	}
	return e.outputs(ctx)
}

func (e *env) outputs(ctx context.Context) (*deploy.Outputs, error) {
	d, err := e.c.deployments.Get(ctx, e.appGroup(), deploymentApp, nil)
	if notFound(err) {
		return nil, fmt.Errorf("azuredeploy: %s is not deployed (no deployment %s in resource group %s)", e.prefix(), deploymentApp, e.appGroup())
	}
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: reading the outputs: %w", err)
	}
	o := &deploy.Outputs{Extra: map[string]string{"subscription": e.c.sub, "resource_group": e.appGroup(), "data_resource_group": e.dataGroup(), "function_app": e.site()}}
	if d.Properties != nil {
		if outs, ok := d.Properties.Outputs.(map[string]any); ok {
			if u, ok := outs["url"].(map[string]any); ok {
				o.URL, _ = u["value"].(string)
			}
		}
	}
	if e.t.Auth.Issuer != "" {
		o.Issuer, o.Audience, o.ClientID = e.t.Auth.Issuer, e.t.Auth.Audience, e.t.Auth.Audience
	}
	return o, nil
}

// Destroy implements deploy.Deployer: it deletes the app group, and the
// data group with --delete-data, each only after checking that every
// resource in it carries this app+stage's tags, under the deploy lock.
func (p Provider) Destroy(ctx context.Context, t *deploy.Target, opts *deploy.DestroyOptions) (_ *deploy.DestroyResult, err error) {
	e, err := p.newEnv(ctx, t)
	if err != nil {
		return nil, err
	}
	res := &deploy.DestroyResult{Deleted: []deploy.Resource{}, Kept: []deploy.Resource{}}
	type group struct {
		name   string
		delete bool
		owned  []deploy.Resource
	}
	var groups []group
	for _, g := range []struct {
		name   string
		tags   map[string]*string
		delete bool
	}{{e.appGroup(), e.appTags, true}, {e.dataGroup(), e.dataTags, opts != nil && opts.DeleteData}} {
		if g.tags == nil {
			continue
		}
		owned, err := e.ownedResources(ctx, g.name) // every group is checked before anything is deleted
		if err != nil {
			return res, err
		}
		if !g.delete {
			res.Kept = append(res.Kept, owned...)
			res.Kept = append(res.Kept, deploy.Resource{Kind: "resource-group", Name: g.name})
			continue
		}
		groups = append(groups, group{g.name, g.delete, owned})
	}
	if len(groups) == 0 {
		return res, nil
	}
	calm := context.WithoutCancel(ctx)
	l, err := e.lock(calm)
	if err != nil && !errors.Is(err, errNoLockContainer) {
		return res, fmt.Errorf("azuredeploy: Destroy: %w", err)
	}
	defer func() {
		// Gone with --delete-data's group, the lock has nothing to release.
		if rerr := l.release(calm); rerr != nil && err == nil {
			err = fmt.Errorf("azuredeploy: Destroy: %w", rerr)
		}
	}()
	for _, g := range groups {
		if err := l.check(); err != nil {
			return res, fmt.Errorf("azuredeploy: Destroy: %w", err)
		}
		ev := deploy.Event{Action: deploy.Delete, Kind: "resource-group", Name: g.name, Status: deploy.StatusStarted}
		t.Emit(ev)
		poller, err := e.c.groups.BeginDelete(calm, g.name, nil)
		if err == nil {
			_, err = poller.PollUntilDone(calm, azruntimePoll{e.c.poll}.opts())
		}
		if err != nil {
			ev.Status, ev.Err = deploy.StatusFailed, err
			t.Emit(ev)
			return res, fmt.Errorf("azuredeploy: Destroy: deleting resource group %s: %w", g.name, err)
		}
		ev.Status = deploy.StatusDone
		t.Emit(ev)
		res.Deleted = append(res.Deleted, g.owned...)
		res.Deleted = append(res.Deleted, deploy.Resource{Kind: "resource-group", Name: g.name})
	}
	return res, nil
}

// ownedResources lists a group's resources and refuses (an error, nothing
// deleted) if one lacks this app+stage's tags.
func (e *env) ownedResources(ctx context.Context, group string) ([]deploy.Resource, error) {
	var out []deploy.Resource
	var foreign []string
	pager := e.c.resources.NewListByResourceGroupPager(group, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("azuredeploy: Destroy: listing resource group %s: %w", group, err)
		}
		for _, r := range page.Value {
			if str(r.Tags[tagApp]) != e.app || str(r.Tags[tagStage]) != e.stage {
				foreign = append(foreign, str(r.Type)+" "+str(r.Name))
				continue
			}
			out = append(out, deploy.Resource{Kind: str(r.Type), Name: str(r.Name)})
		}
	}
	if len(foreign) > 0 {
		return nil, fmt.Errorf("azuredeploy: Destroy: resource group %s holds resources that are not %s's (no %s=%s, %s=%s tags): %s; move or delete them first",
			group, e.prefix(), tagApp, e.app, tagStage, e.stage, strings.Join(foreign, ", "))
	}
	return out, nil
}
