package azuredeploy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// API versions of the template's resource types (each has a schema in
// the ARM schema set the tests validate against).
const (
	apiStorage     = "2025-01-01"
	apiWeb         = "2024-11-01"
	apiServiceBus  = "2024-01-01"
	apiCosmos      = "2024-11-15"
	apiAuthz       = "2022-04-01"
	apiDeployments = "2025-04-01"
)

// Built-in role definitions the app's identity is granted.
const (
	roleBlobDataOwner   = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b" // the Functions host's own storage (AzureWebJobsStorage, the package container) needs Owner
	roleSBDataSender    = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"
	roleSBDataReceiver  = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"
	templateSchema      = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
	flexMaxInstances    = 100
	defaultInstanceMemo = 2048
)

// Template is an ARM deployment template, as the deployer submits it.
type Template struct {
	Schema         string            `json:"$schema"`
	ContentVersion string            `json:"contentVersion"`
	Resources      []Resource        `json:"resources"`
	Outputs        map[string]Output `json:"outputs,omitempty"`
}

// Resource is one template resource. Properties are the resource type's
// own properties, as the ARM schema of APIVersion describes them.
type Resource struct {
	Type          string            `json:"type"`
	APIVersion    string            `json:"apiVersion"`
	Name          string            `json:"name"`
	Scope         string            `json:"scope,omitempty"`
	ResourceGroup string            `json:"resourceGroup,omitempty"`
	Location      string            `json:"location,omitempty"`
	Kind          string            `json:"kind,omitempty"`
	SKU           map[string]any    `json:"sku,omitempty"`
	Identity      map[string]any    `json:"identity,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
	DependsOn     []string          `json:"dependsOn,omitempty"`
	Properties    map[string]any    `json:"properties,omitempty"`
}

// Output is one template output.
type Output struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Hash is the SHA-256 of the template's JSON, the content hash its
// resource group's tag records.
func (t *Template) Hash() string {
	b, _ := json.Marshal(t) // only maps, strings and slices: cannot fail
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// templates builds the two templates of an app+stage.
type templates struct {
	n        names
	m        *sdk.Manifest
	location string
	key      string // the pinned trigger key
	auth     deploy.Auth
}

func (g *templates) tags() map[string]string {
	return map[string]string{tagApp: g.n.app, tagStage: g.n.stage}
}

func (g *templates) res(typ, api, name string, props map[string]any, deps ...string) Resource {
	return Resource{Type: typ, APIVersion: api, Name: name, Tags: g.tags(), Properties: props, DependsOn: deps}
}

func resourceID(typ string, names ...string) string {
	s := fmt.Sprintf("[resourceId('%s'", typ)
	for _, n := range names {
		s += fmt.Sprintf(", '%s'", n)
	}
	return s + ")]"
}

func (g *templates) resources(kind sdk.ResourceKind) []sdk.ResourceManifest {
	var rs []sdk.ResourceManifest
	for _, r := range g.m.Resources {
		if r.Kind == kind {
			rs = append(rs, r)
		}
	}
	return rs
}

// data is the data group's template: the storage account with one
// container per bucket, the package container and the deploy lock's
// container, and Cosmos DB for
// MongoDB with one collection per collection.
func (g *templates) data() *Template {
	t := &Template{Schema: templateSchema, ContentVersion: "1.0.0.0"}
	acct := g.n.storage()
	sa := g.res("Microsoft.Storage/storageAccounts", apiStorage, acct, map[string]any{
		"allowSharedKeyAccess":     false,
		"allowBlobPublicAccess":    false,
		"minimumTlsVersion":        "TLS1_2",
		"supportsHttpsTrafficOnly": true,
	})
	sa.Location, sa.Kind, sa.SKU = g.location, "StorageV2", map[string]any{"name": "Standard_LRS"}
	bs := g.res("Microsoft.Storage/storageAccounts/blobServices", apiStorage, acct+"/default", map[string]any{},
		resourceID("Microsoft.Storage/storageAccounts", acct))
	bs.Tags = nil // the blob service takes no tags
	t.Resources = append(t.Resources, sa, bs)
	containers := []string{packageContainer, lockContainer}
	for _, r := range g.resources(sdk.KindBucket) {
		containers = append(containers, container(r.Name))
	}
	for _, c := range containers {
		cr := g.res("Microsoft.Storage/storageAccounts/blobServices/containers", apiStorage, acct+"/default/"+c,
			map[string]any{"publicAccess": "None"},
			resourceID("Microsoft.Storage/storageAccounts/blobServices", acct, "default"))
		cr.Tags = nil // containers take no tags; their account carries them
		t.Resources = append(t.Resources, cr)
	}
	if cols := g.resources(sdk.KindCollection); len(cols) > 0 {
		t.Resources = append(t.Resources, g.cosmos(cols)...)
	}
	return t
}

func (g *templates) cosmos(cols []sdk.ResourceManifest) []Resource {
	acct, db := g.n.cosmos(), g.n.database()
	a := g.res("Microsoft.DocumentDB/databaseAccounts", apiCosmos, acct, map[string]any{
		"databaseAccountOfferType": "Standard",
		"locations":                []any{map[string]any{"locationName": g.location, "failoverPriority": 0}},
		"capabilities":             []any{map[string]any{"name": "EnableServerless"}, map[string]any{"name": "EnableMongo"}},
		"apiProperties":            map[string]any{"serverVersion": "7.0"},
		"minimalTlsVersion":        "Tls12",
	})
	a.Location, a.Kind = g.location, "MongoDB"
	out := []Resource{a, g.res("Microsoft.DocumentDB/databaseAccounts/mongodbDatabases", apiCosmos, acct+"/"+db,
		map[string]any{"resource": map[string]any{"id": db}},
		resourceID("Microsoft.DocumentDB/databaseAccounts", acct))}
	for _, c := range cols {
		indexes := []any{map[string]any{"key": map[string]any{"keys": []any{"_id"}}}}
		for _, ix := range c.Indexes {
			keys := []any{ix.Partition}
			if ix.Sort != "" {
				keys = append(keys, ix.Sort)
			}
			indexes = append(indexes, map[string]any{"key": map[string]any{"keys": keys}})
		}
		out = append(out, g.res("Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections", apiCosmos, acct+"/"+db+"/"+c.Name,
			map[string]any{"resource": map[string]any{"id": c.Name, "indexes": indexes}},
			resourceID("Microsoft.DocumentDB/databaseAccounts/mongodbDatabases", acct, db)))
	}
	return out
}

// app is the app group's template: the Flex Consumption plan and function
// app, the Service Bus namespace with its topics and subscriptions, and
// the app identity's role assignments (those on the data group's account
// through a nested deployment).
func (g *templates) app() *Template {
	t := &Template{Schema: templateSchema, ContentVersion: "1.0.0.0"}
	site := g.n.site()
	siteID := resourceID("Microsoft.Web/sites", site)
	principal := fmt.Sprintf("[reference(resourceId('Microsoft.Web/sites', '%s'), '%s', 'full').identity.principalId]", site, apiWeb)
	plan := g.res("Microsoft.Web/serverfarms", apiWeb, g.n.plan(), map[string]any{"reserved": true})
	plan.Location, plan.Kind, plan.SKU = g.location, "functionapp", map[string]any{"name": "FC1", "tier": "FlexConsumption"}
	t.Resources = append(t.Resources, plan)

	hasTopics := len(g.resources(sdk.KindTopic)) > 0 || g.hasKind(sdk.KindMessage)
	siteDeps := []string{resourceID("Microsoft.Web/serverfarms", g.n.plan())}
	if hasTopics {
		ns := g.n.namespace()
		nsID := resourceID("Microsoft.ServiceBus/namespaces", ns)
		r := g.res("Microsoft.ServiceBus/namespaces", apiServiceBus, ns, map[string]any{"disableLocalAuth": true, "minimumTlsVersion": "1.2"})
		r.Location, r.SKU = g.location, map[string]any{"name": "Standard", "tier": "Standard"}
		t.Resources = append(t.Resources, r)
		for _, topic := range g.topics() {
			tr := g.res("Microsoft.ServiceBus/namespaces/topics", apiServiceBus, ns+"/"+topic, map[string]any{"enablePartitioning": false}, nsID)
			tr.Tags = nil
			t.Resources = append(t.Resources, tr)
		}
		for _, f := range g.m.Functions {
			if f.Kind != sdk.KindMessage {
				continue
			}
			sr := g.res("Microsoft.ServiceBus/namespaces/topics/subscriptions", apiServiceBus, ns+"/"+f.Message.Topic+"/"+f.Name, map[string]any{
				"maxDeliveryCount":                 max(f.Message.MaxAttempts, 1),
				"deadLetteringOnMessageExpiration": true,
				"requiresSession":                  false,
			}, resourceID("Microsoft.ServiceBus/namespaces/topics", ns, f.Message.Topic))
			sr.Tags = nil
			t.Resources = append(t.Resources, sr)
		}
		siteDeps = append(siteDeps, nsID)
		for _, role := range []string{roleSBDataSender, roleSBDataReceiver} {
			t.Resources = append(t.Resources, g.roleAssignment("Microsoft.ServiceBus/namespaces/"+ns, role, principal, nsID, siteID))
		}
	}

	s := g.res("Microsoft.Web/sites", apiWeb, site, map[string]any{
		"serverFarmId": resourceID("Microsoft.Web/serverfarms", g.n.plan()),
		"httpsOnly":    true,
		"siteConfig":   map[string]any{"appSettings": g.appSettings(), "minTlsVersion": "1.2"},
		"functionAppConfig": map[string]any{
			"deployment": map[string]any{"storage": map[string]any{
				"type":           "blobContainer",
				"value":          fmt.Sprintf("https://%s.blob.core.windows.net/%s", g.n.storage(), packageContainer),
				"authentication": map[string]any{"type": "SystemAssignedIdentity"},
			}},
			"scaleAndConcurrency": map[string]any{"maximumInstanceCount": flexMaxInstances, "instanceMemoryMB": g.instanceMemory()},
			"runtime":             map[string]any{"name": "custom", "version": "1.0"},
		},
	}, siteDeps...)
	s.Location, s.Kind, s.Identity = g.location, "functionapp,linux", map[string]any{"type": "SystemAssigned"}
	t.Resources = append(t.Resources, s)

	// The storage account is in the data group: its role assignment is a
	// nested deployment there, as a Bicep module with scope: resourceGroup(...).
	nested := Resource{Type: "Microsoft.Resources/deployments", APIVersion: apiDeployments, Name: "faas-data-access",
		ResourceGroup: g.n.dataGroup(), Tags: g.tags(), DependsOn: []string{siteID},
		Properties: map[string]any{
			"mode": "Incremental",
			"template": &Template{Schema: templateSchema, ContentVersion: "1.0.0.0", Resources: []Resource{
				g.roleAssignment("Microsoft.Storage/storageAccounts/"+g.n.storage(), roleBlobDataOwner, principal),
			}},
		}}
	t.Resources = append(t.Resources, nested)
	t.Outputs = map[string]Output{"url": {Type: "string",
		Value: fmt.Sprintf("[format('https://{0}', reference(resourceId('Microsoft.Web/sites', '%s'), '%s').defaultHostName)]", site, apiWeb)}}
	return t
}

// roleAssignment grants role to the app's identity on scope.
func (g *templates) roleAssignment(scope, role, principal string, deps ...string) Resource {
	return Resource{Type: "Microsoft.Authorization/roleAssignments", APIVersion: apiAuthz,
		Name: guid(scope, g.n.site(), role), Scope: scope, DependsOn: deps,
		Properties: map[string]any{
			"roleDefinitionId": fmt.Sprintf("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '%s')]", role),
			"principalId":      principal,
			"principalType":    "ServicePrincipal",
		}}
}

func (g *templates) hasKind(k sdk.Kind) bool {
	for _, f := range g.m.Functions {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// topics are the declared topics and those Message functions read, sorted.
func (g *templates) topics() []string {
	set := map[string]bool{}
	for _, r := range g.resources(sdk.KindTopic) {
		set[r.Name] = true
	}
	for _, f := range g.m.Functions {
		if f.Kind == sdk.KindMessage {
			set[f.Message.Topic] = true
		}
	}
	var ts []string
	for t := range set {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// instanceMemory is the Flex instance size that fits the largest function.
func (g *templates) instanceMemory() int {
	need := 0
	for _, f := range g.m.Functions {
		need = max(need, f.MemoryMB)
	}
	for _, size := range []int{512, 2048, 4096} {
		if need <= size && (need > 0 || size == defaultInstanceMemo) {
			return size
		}
	}
	return defaultInstanceMemo
}

// appSettings are the function app's settings: identity-based connections
// to the host storage and Service Bus, the FAAS_* bindings, and the
// pinned trigger key. Flex takes the runtime and package location from
// functionAppConfig, so FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION
// and WEBSITE_RUN_FROM_PACKAGE are absent (contracts C5).
func (g *templates) appSettings() []any {
	kv := map[string]string{
		"AzureWebJobsStorage__accountName": g.n.storage(),
		"AZURE_STORAGE_ACCOUNT":            g.n.storage(),
		settingTriggerKey:                  g.key,
	}
	if g.auth.Issuer != "" {
		kv["FAAS_AUTH_ISSUER"], kv["FAAS_AUTH_AUDIENCE"] = g.auth.Issuer, g.auth.Audience
		kv["FAAS_AUTH_CLIENT_ID"] = g.auth.Audience // an Entra app registration's client ID is its tokens' audience
	}
	if len(g.topics()) > 0 {
		host := g.n.namespace() + ".servicebus.windows.net"
		kv[DefaultServiceBusConnection+"__fullyQualifiedNamespace"] = host
		kv["AZURE_SERVICEBUS_HOSTNAME"] = host
	}
	for _, r := range g.m.Resources {
		if r.URL != "" {
			continue
		}
		switch r.Kind {
		case sdk.KindBucket:
			kv[envKey(r)] = "azblob://" + container(r.Name)
		case sdk.KindTopic:
			kv[envKey(r)] = "azuresb://" + r.Name
		case sdk.KindCollection:
			q := url.Values{}
			if r.KeyField != "" {
				q.Set("id_field", r.KeyField)
			}
			kv[envKey(r)] = "mongo://" + g.n.database() + "/" + r.Name + "?" + q.Encode()
		}
	}
	if len(g.resources(sdk.KindCollection)) > 0 {
		// Cosmos DB for MongoDB (RU) has no Entra ID data-plane auth: the
		// account's disableLocalAuth ("only MSI and AAD") serves the NoSQL
		// API's RBAC, and the MongoDB API's own RBAC
		// (mongodbUserDefinitions) is SCRAM-SHA-256 users with passwords
		// (2024-11-15 schema). A key-bearing connection string is
		// unavoidable; ARM resolves it into this setting alone (no output,
		// no debugSetting), so it never passes through the deployer.
		kv["MONGO_SERVER_URL"] = fmt.Sprintf("[listConnectionStrings(resourceId('%s', 'Microsoft.DocumentDB/databaseAccounts', '%s'), '%s').connectionStrings[0].connectionString]",
			g.n.dataGroup(), g.n.cosmos(), apiCosmos)
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]any{"name": k, "value": kv[k]})
	}
	return out
}

// settingTriggerKey is the app setting that records the pinned trigger
// key, so the template (and its hash) change if the key does.
const settingTriggerKey = "FAAS_AZURE_TRIGGER_KEY"
