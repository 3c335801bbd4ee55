package azuredeploy

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/eventgrid/armeventgrid/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"

	"github.com/faaskit/faas/deploy"
)

// DeployOptions say how the deployer reaches Azure. The zero value (the
// registered provider's) uses azidentity's default credential chain and
// the public cloud; tests wire the SDK's fake servers in through
// ClientOptions.Transport and point SCM at an httptest server.
type DeployOptions struct {
	// Credential authenticates every call. Default: azidentity.NewDefaultAzureCredential.
	Credential azcore.TokenCredential
	// ClientOptions configure every Resource Manager client (transport,
	// per-call policies, cloud).
	ClientOptions *arm.ClientOptions
	// SCM returns the base URL of a function app's deployment endpoint.
	// Default: https://<site>.scm.azurewebsites.net.
	SCM func(site string) string
	// HTTPClient sends the OneDeploy requests. Default: http.DefaultClient.
	HTTPClient *http.Client
	// Poll is how often long-running operations are polled. Default 5s.
	Poll time.Duration
	// LockRenew is how often a held deploy lock's lease is renewed.
	// Default DefaultLockRenew; it must stay well under the lease's 60s.
	LockRenew time.Duration
}

// clients are the Resource Manager clients of one subscription.
type clients struct {
	sub         string
	cred        azcore.TokenCredential
	groups      *armresources.ResourceGroupsClient
	deployments *armresources.DeploymentsClient
	resources   *armresources.Client
	topics      *armeventgrid.SystemTopicsClient
	subs        *armeventgrid.SystemTopicEventSubscriptionsClient
	containers  *armstorage.BlobContainersClient
	scm         func(site string) string
	http        *http.Client
	poll        time.Duration
	renew       time.Duration
}

// subscription is --subscription, else AZURE_SUBSCRIPTION_ID.
func subscription(s deploy.Settings) string {
	if v := s["subscription"]; v != "" {
		return v
	}
	return os.Getenv("AZURE_SUBSCRIPTION_ID")
}

func newClients(_ context.Context, s deploy.Settings, o *DeployOptions) (*clients, error) {
	if o == nil {
		o = &DeployOptions{}
	}
	sub := subscription(s)
	if sub == "" {
		return nil, fmt.Errorf("azuredeploy: no subscription: pass --subscription or set AZURE_SUBSCRIPTION_ID")
	}
	cred := o.Credential
	if cred == nil {
		c, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("azuredeploy: Azure credentials: %w", err)
		}
		cred = c
	}
	c := &clients{sub: sub, cred: cred, scm: o.SCM, http: o.HTTPClient, poll: o.Poll, renew: o.LockRenew}
	if c.scm == nil {
		c.scm = func(site string) string { return "https://" + site + ".scm.azurewebsites.net" }
	}
	if c.http == nil {
		c.http = http.DefaultClient
	}
	if c.poll <= 0 {
		c.poll = 5 * time.Second
	}
	if c.renew <= 0 {
		c.renew = DefaultLockRenew
	}
	var err error
	wrap := func(e error) {
		if err == nil && e != nil {
			err = fmt.Errorf("azuredeploy: %w", e)
		}
	}
	var e error
	c.groups, e = armresources.NewResourceGroupsClient(sub, cred, o.ClientOptions)
	wrap(e)
	c.deployments, e = armresources.NewDeploymentsClient(sub, cred, o.ClientOptions)
	wrap(e)
	c.resources, e = armresources.NewClient(sub, cred, o.ClientOptions)
	wrap(e)
	c.topics, e = armeventgrid.NewSystemTopicsClient(sub, cred, o.ClientOptions)
	wrap(e)
	c.subs, e = armeventgrid.NewSystemTopicEventSubscriptionsClient(sub, cred, o.ClientOptions)
	wrap(e)
	c.containers, e = armstorage.NewBlobContainersClient(sub, cred, o.ClientOptions)
	wrap(e)
	return c, err
}
