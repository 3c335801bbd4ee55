package azuredeploy

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/eventgrid/armeventgrid/v2"
	egfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/eventgrid/armeventgrid/v2/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	rfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/fake"
	stfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/fake"

	"github.com/faaskit/faas/sdk"
)

// cloud is an in-memory Azure behind the SDK's fake servers: resource
// groups with their top-level resources and tags, template deployments
// (materialised into their groups), Event Grid system topics and
// subscriptions, and a OneDeploy endpoint.
type cloud struct {
	mu          sync.Mutex
	groups      map[string]*fakeGroup
	deployments map[string]map[string]any // group/name -> template
	egSubs      map[string]armeventgrid.EventSubscription
	published   [][]byte
	deleted     []string // IDs deleted with DeleteByID
	calls       []string // mutating calls: METHOD path
	failAt      int      // fail the failAt-th mutating call with a 500 (0: never)
	failPublish bool     // answer the next publish with a 400
	scm         *httptest.Server
	leases      map[string]*fakeLease         // group/account/container -> its lease
	metadata    map[string]map[string]*string // group/account/container -> its metadata
	clock       time.Time                     // the leases' clock, advanced by tests
	leaseLog    []string                      // "<action> ok|refused" per lease call
	debug       []string                      // deployments submitted with a debugSetting
	onLease     func(entry string)            // called, unlocked, after each lease call with its leaseLog entry
	onPublish   func()                        // called before a publish is accepted
}

type fakeGroup struct {
	location string
	tags     map[string]*string
	res      []*armresources.GenericResourceExpanded
}

func newCloud(t *testing.T) *cloud {
	c := &cloud{groups: map[string]*fakeGroup{}, deployments: map[string]map[string]any{}, egSubs: map[string]armeventgrid.EventSubscription{},
		leases: map[string]*fakeLease{}, metadata: map[string]map[string]*string{}, clock: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	c.scm = httptest.NewServer(http.HandlerFunc(c.serveSCM))
	t.Cleanup(c.scm.Close)
	return c
}

// serveSCM speaks the Flex publish API: POST /api/publish with a zip body
// and a bearer token, GET /api/deployments/latest.
func (c *cloud) serveSCM(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		http.Error(w, `{"error":"no bearer token"}`, http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/publish":
		if r.Header.Get("Content-Type") != "application/zip" {
			http.Error(w, `{"error":"want application/zip"}`, http.StatusUnsupportedMediaType)
			return
		}
		c.mu.Lock()
		fail, hook := c.failPublish, c.onPublish
		c.failPublish = false
		c.mu.Unlock()
		if hook != nil {
			hook()
		}
		if fail {
			http.Error(w, `{"error":"injected"}`, http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(r.Body)
		if _, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err != nil {
			http.Error(w, `{"error":"not a zip"}`, http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.published = append(c.published, b)
		c.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodGet && r.URL.Path == "/api/deployments/latest":
		fmt.Fprint(w, `{"status":4,"status_text":"","complete":true}`)
	default:
		http.NotFound(w, r)
	}
}

// Do implements policy.Policy: it records mutating calls (What-If, a
// read-only POST, is not one) and fails the failAt-th.
func (c *cloud) Do(req *policy.Request) (*http.Response, error) {
	r := req.Raw()
	if r.Method != http.MethodGet && !strings.HasSuffix(r.URL.Path, "/whatIf") && !strings.HasSuffix(r.URL.Path, "/exportTemplate") {
		c.mu.Lock()
		c.calls = append(c.calls, r.Method+" "+r.URL.Path)
		n := len(c.calls)
		c.mu.Unlock()
		if n == c.failAt {
			return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Request: r, Header: http.Header{},
				Body: io.NopCloser(strings.NewReader(`{"error":{"code":"InternalServerError","message":"injected"}}`))}, nil
		}
	}
	return req.Next()
}

func (c *cloud) mutating() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

// callTails are the mutating calls as "METHOD <last path segment>".
func (c *cloud) callTails() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, call := range c.calls {
		method, p, _ := strings.Cut(call, " ")
		out = append(out, method+" "+p[strings.LastIndex(p, "/")+1:])
	}
	return out
}

func (c *cloud) reset() {
	c.mu.Lock()
	c.calls, c.failAt, c.leaseLog = nil, 0, nil
	c.mu.Unlock()
}

// router sends Event Grid and Storage calls to their fakes, the rest to
// armresources'.
type router struct{ eg, st, res policy.Transporter }

func (r router) Do(req *http.Request) (*http.Response, error) {
	switch {
	case strings.Contains(req.URL.Path, "/Microsoft.EventGrid/"):
		return r.eg.Do(req)
	case strings.Contains(req.URL.Path, "/Microsoft.Storage/"):
		return r.st.Do(req)
	}
	return r.res.Do(req)
}

func (c *cloud) options() *DeployOptions {
	tr := router{eg: egfake.NewServerFactoryTransport(c.eventGrid()), st: stfake.NewServerFactoryTransport(c.storage()),
		res: rfake.NewServerFactoryTransport(c.resourceManager())}
	return &DeployOptions{
		Credential:    &azfake.TokenCredential{},
		ClientOptions: &arm.ClientOptions{ClientOptions: policy.ClientOptions{Transport: tr, PerCallPolicies: []policy.Policy{c}}},
		SCM:           func(string) string { return c.scm.URL },
		HTTPClient:    c.scm.Client(),
		Poll:          1,
	}
}

func notFoundErr(e *azfake.ErrorResponder) { e.SetResponseError(http.StatusNotFound, "NotFound") }

func (c *cloud) resourceManager() *rfake.ServerFactory {
	return &rfake.ServerFactory{
		ResourceGroupsServer: rfake.ResourceGroupsServer{
			Get: func(_ context.Context, name string, _ *armresources.ResourceGroupsClientGetOptions) (resp azfake.Responder[armresources.ResourceGroupsClientGetResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				g, ok := c.groups[name]
				if !ok {
					notFoundErr(&e)
					return
				}
				resp.SetResponse(http.StatusOK, armresources.ResourceGroupsClientGetResponse{ResourceGroup: armresources.ResourceGroup{Name: to.Ptr(name), Location: to.Ptr(g.location), Tags: g.tags}}, nil)
				return
			},
			CreateOrUpdate: func(_ context.Context, name string, p armresources.ResourceGroup, _ *armresources.ResourceGroupsClientCreateOrUpdateOptions) (resp azfake.Responder[armresources.ResourceGroupsClientCreateOrUpdateResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				g := c.groups[name]
				if g == nil {
					g = &fakeGroup{}
					c.groups[name] = g
				}
				g.location, g.tags = *p.Location, p.Tags
				resp.SetResponse(http.StatusOK, armresources.ResourceGroupsClientCreateOrUpdateResponse{ResourceGroup: p}, nil)
				return
			},
			Update: func(_ context.Context, name string, p armresources.ResourceGroupPatchable, _ *armresources.ResourceGroupsClientUpdateOptions) (resp azfake.Responder[armresources.ResourceGroupsClientUpdateResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				g, ok := c.groups[name]
				if !ok {
					notFoundErr(&e)
					return
				}
				g.tags = p.Tags
				resp.SetResponse(http.StatusOK, armresources.ResourceGroupsClientUpdateResponse{}, nil)
				return
			},
			BeginDelete: func(_ context.Context, name string, _ *armresources.ResourceGroupsClientBeginDeleteOptions) (resp azfake.PollerResponder[armresources.ResourceGroupsClientDeleteResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				delete(c.groups, name)
				for k := range c.leases {
					if strings.HasPrefix(k, name+"/") {
						delete(c.leases, k)
						delete(c.metadata, k)
					}
				}
				for k := range c.deployments {
					if strings.HasPrefix(k, name+"/") {
						delete(c.deployments, k)
					}
				}
				resp.SetTerminalResponse(http.StatusOK, armresources.ResourceGroupsClientDeleteResponse{}, nil)
				return
			},
		},
		Server: rfake.Server{
			BeginDeleteByID: func(_ context.Context, id, _ string, _ *armresources.ClientBeginDeleteByIDOptions) (resp azfake.PollerResponder[armresources.ClientDeleteByIDResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				c.deleted = append(c.deleted, id)
				resp.SetTerminalResponse(http.StatusOK, armresources.ClientDeleteByIDResponse{}, nil)
				return
			},
			NewListByResourceGroupPager: func(name string, _ *armresources.ClientListByResourceGroupOptions) (resp azfake.PagerResponder[armresources.ClientListByResourceGroupResponse]) {
				c.mu.Lock()
				defer c.mu.Unlock()
				var rs []*armresources.GenericResourceExpanded
				if g := c.groups[name]; g != nil {
					rs = g.res
				}
				resp.AddPage(http.StatusOK, armresources.ClientListByResourceGroupResponse{ResourceListResult: armresources.ResourceListResult{Value: rs}}, nil)
				return
			},
		},
		DeploymentsServer: rfake.DeploymentsServer{
			BeginCreateOrUpdate: func(_ context.Context, group, name string, p armresources.Deployment, _ *armresources.DeploymentsClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armresources.DeploymentsClientCreateOrUpdateResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				g, ok := c.groups[group]
				if !ok {
					e.SetResponseError(http.StatusNotFound, "ResourceGroupNotFound")
					return
				}
				if p.Properties.DebugSetting != nil {
					c.debug = append(c.debug, group+"/"+name)
				}
				tpl := p.Properties.Template.(map[string]any)
				c.deployments[group+"/"+name] = tpl
				c.materialise(g, tpl)
				resp.SetTerminalResponse(http.StatusOK, armresources.DeploymentsClientCreateOrUpdateResponse{}, nil)
				return
			},
			ExportTemplate: func(_ context.Context, group, name string, _ *armresources.DeploymentsClientExportTemplateOptions) (resp azfake.Responder[armresources.DeploymentsClientExportTemplateResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				tpl, ok := c.deployments[group+"/"+name]
				if !ok {
					e.SetResponseError(http.StatusNotFound, "DeploymentNotFound")
					return
				}
				resp.SetResponse(http.StatusOK, armresources.DeploymentsClientExportTemplateResponse{DeploymentExportResult: armresources.DeploymentExportResult{Template: tpl}}, nil)
				return
			},
			Get: func(_ context.Context, group, name string, _ *armresources.DeploymentsClientGetOptions) (resp azfake.Responder[armresources.DeploymentsClientGetResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				tpl, ok := c.deployments[group+"/"+name]
				if !ok {
					e.SetResponseError(http.StatusNotFound, "DeploymentNotFound")
					return
				}
				outs := map[string]any{}
				for _, r := range tpl["resources"].([]any) {
					if r := r.(map[string]any); r["type"] == "Microsoft.Web/sites" {
						outs["url"] = map[string]any{"type": "String", "value": "https://" + r["name"].(string) + ".azurewebsites.net"}
					}
				}
				resp.SetResponse(http.StatusOK, armresources.DeploymentsClientGetResponse{DeploymentExtended: armresources.DeploymentExtended{
					Name: to.Ptr(name), Properties: &armresources.DeploymentPropertiesExtended{Outputs: outs}}}, nil)
				return
			},
			BeginWhatIf: func(_ context.Context, group, name string, p armresources.DeploymentWhatIf, _ *armresources.DeploymentsClientBeginWhatIfOptions) (resp azfake.PollerResponder[armresources.DeploymentsClientWhatIfResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				live := map[string]string{}
				if old, ok := c.deployments[group+"/"+name]; ok {
					for _, r := range old["resources"].([]any) {
						b, _ := json.Marshal(r)
						live[r.(map[string]any)["name"].(string)] = string(b)
					}
				}
				var chs []*armresources.WhatIfChange
				for _, r := range p.Properties.Template.(map[string]any)["resources"].([]any) {
					rm := r.(map[string]any)
					b, _ := json.Marshal(r)
					ct := armresources.ChangeTypeCreate
					if old, ok := live[rm["name"].(string)]; ok {
						ct = armresources.ChangeTypeModify
						if old == string(b) {
							ct = armresources.ChangeTypeNoChange
						}
					}
					chs = append(chs, &armresources.WhatIfChange{ChangeType: to.Ptr(ct),
						ResourceID: to.Ptr(fmt.Sprintf("/subscriptions/sub/resourceGroups/%s/providers/%s/%s", group, rm["type"], rm["name"]))})
				}
				resp.SetTerminalResponse(http.StatusOK, armresources.DeploymentsClientWhatIfResponse{WhatIfOperationResult: armresources.WhatIfOperationResult{
					Status: to.Ptr("Succeeded"), Properties: &armresources.WhatIfOperationProperties{Changes: chs}}}, nil)
				return
			},
		},
	}
}

// materialise lists a deployment's top-level resources in their group,
// with their tags, as ARM would.
func (c *cloud) materialise(g *fakeGroup, tpl map[string]any) {
	for _, r := range tpl["resources"].([]any) {
		rm := r.(map[string]any)
		typ := rm["type"].(string)
		if strings.Count(typ, "/") != 1 || rm["scope"] != nil || rm["resourceGroup"] != nil || typ == "Microsoft.Resources/deployments" {
			continue
		}
		tags := map[string]*string{}
		for k, v := range rm["tags"].(map[string]any) {
			tags[k] = to.Ptr(v.(string))
		}
		g.put(&armresources.GenericResourceExpanded{Name: to.Ptr(rm["name"].(string)), Type: to.Ptr(typ), Tags: tags})
	}
}

func (g *fakeGroup) put(r *armresources.GenericResourceExpanded) {
	for i, old := range g.res {
		if *old.Name == *r.Name && *old.Type == *r.Type {
			g.res[i] = r
			return
		}
	}
	g.res = append(g.res, r)
}

func (c *cloud) eventGrid() *egfake.ServerFactory {
	return &egfake.ServerFactory{
		SystemTopicsServer: egfake.SystemTopicsServer{
			BeginCreateOrUpdate: func(_ context.Context, group, name string, p armeventgrid.SystemTopic, _ *armeventgrid.SystemTopicsClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armeventgrid.SystemTopicsClientCreateOrUpdateResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				g, ok := c.groups[group]
				if !ok {
					e.SetResponseError(http.StatusNotFound, "ResourceGroupNotFound")
					return
				}
				g.put(&armresources.GenericResourceExpanded{Name: to.Ptr(name), Type: to.Ptr("Microsoft.EventGrid/systemTopics"), Tags: p.Tags})
				resp.SetTerminalResponse(http.StatusCreated, armeventgrid.SystemTopicsClientCreateOrUpdateResponse{SystemTopic: p}, nil)
				return
			},
		},
		SystemTopicEventSubscriptionsServer: egfake.SystemTopicEventSubscriptionsServer{
			NewListBySystemTopicPager: func(_, _ string, _ *armeventgrid.SystemTopicEventSubscriptionsClientListBySystemTopicOptions) (resp azfake.PagerResponder[armeventgrid.SystemTopicEventSubscriptionsClientListBySystemTopicResponse]) {
				c.mu.Lock()
				defer c.mu.Unlock()
				var subs []*armeventgrid.EventSubscription
				for name := range c.egSubs {
					subs = append(subs, &armeventgrid.EventSubscription{Name: to.Ptr(name)})
				}
				resp.AddPage(http.StatusOK, armeventgrid.SystemTopicEventSubscriptionsClientListBySystemTopicResponse{EventSubscriptionsListResult: armeventgrid.EventSubscriptionsListResult{Value: subs}}, nil)
				return
			},
			BeginDelete: func(_ context.Context, _, _, name string, _ *armeventgrid.SystemTopicEventSubscriptionsClientBeginDeleteOptions) (resp azfake.PollerResponder[armeventgrid.SystemTopicEventSubscriptionsClientDeleteResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				delete(c.egSubs, name)
				resp.SetTerminalResponse(http.StatusOK, armeventgrid.SystemTopicEventSubscriptionsClientDeleteResponse{}, nil)
				return
			},
			BeginCreateOrUpdate: func(_ context.Context, group, topic, name string, p armeventgrid.EventSubscription, _ *armeventgrid.SystemTopicEventSubscriptionsClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armeventgrid.SystemTopicEventSubscriptionsClientCreateOrUpdateResponse], e azfake.ErrorResponder) {
				c.mu.Lock()
				defer c.mu.Unlock()
				c.egSubs[name] = p
				resp.SetTerminalResponse(http.StatusCreated, armeventgrid.SystemTopicEventSubscriptionsClientCreateOrUpdateResponse{EventSubscription: p}, nil)
				return
			},
		},
	}
}

// writePackage writes an app.zip for m, as Build does but with a stand-in
// handler, into a new directory, and returns the directory.
func writePackage(t *testing.T, m *sdk.Manifest, handler string) string {
	t.Helper()
	l, err := NewLayout(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := l.Files()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	h := filepath.Join(dir, "handler.bin")
	if err := os.WriteFile(h, []byte(handler), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := writeZip(filepath.Join(dir, "app.zip"), files, h); err != nil {
		t.Fatal(err)
	}
	return dir
}

func foreignVM() *armresources.GenericResourceExpanded {
	return &armresources.GenericResourceExpanded{Name: to.Ptr("someone-elses-vm"), Type: to.Ptr("Microsoft.Compute/virtualMachines")}
}
