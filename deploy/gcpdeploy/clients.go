package gcpdeploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	eventarc "cloud.google.com/go/eventarc/apiv1"
	fsadmin "cloud.google.com/go/firestore/apiv1/admin"
	functions "cloud.google.com/go/functions/apiv2"
	iamadmin "cloud.google.com/go/iam/admin/apiv1"
	"cloud.google.com/go/pubsub"
	resourcemanager "cloud.google.com/go/resourcemanager/apiv3"
	run "cloud.google.com/go/run/apiv2"
	scheduler "cloud.google.com/go/scheduler/apiv1"
	"cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"github.com/faaskit/faas/deploy"
)

// ClientOptions reach the Google Cloud APIs somewhere other than their
// production endpoints with Application Default Credentials: tests point
// them at fakes. The zero value uses ADC and the real endpoints.
type ClientOptions struct {
	// Functions are the options of the Cloud Functions v2 client.
	Functions []option.ClientOption
	// IAM are the options of the IAM admin client (service accounts).
	IAM []option.ClientOption
	// Run are the options of the Cloud Run v2 services client (the
	// functions' invoker bindings).
	Run []option.ClientOption
	// Scheduler are the options of the Cloud Scheduler client.
	Scheduler []option.ClientOption
	// Eventarc are the options of the Eventarc client.
	Eventarc []option.ClientOption
	// Firestore are the options of the Firestore admin client (indexes).
	Firestore []option.ClientOption
	// ResourceManager are the options of the Resource Manager Projects
	// client (the project's policy, for the Firestore role).
	ResourceManager []option.ClientOption
	// PubSub are the options of the Pub/Sub client.
	PubSub []option.ClientOption
	// Storage are the options of the Cloud Storage client.
	Storage []option.ClientOption
	// Upload is the HTTP client that PUTs the source zip to the signed
	// upload URL (nil: http.DefaultClient; the URL carries its own
	// authorization).
	Upload *http.Client
}

// clients are the service clients of one deployment.
type clients struct {
	project, region string
	fn              *functions.FunctionClient
	ps              *pubsub.Client
	gcs             *storage.Client
	iam             *iamadmin.IamClient
	run             *run.ServicesClient
	sched           *scheduler.CloudSchedulerClient
	arc             *eventarc.Client
	fs              *fsadmin.FirestoreAdminClient
	rm              *resourcemanager.ProjectsClient
	upload          *http.Client
}

// settings resolves --project and --region (flags, then environment).
func settings(s deploy.Settings) (project, region string, err error) {
	project, region = s["project"], s["region"]
	if project == "" {
		project = os.Getenv("GOOGLE_CLOUD_PROJECT")
	}
	if region == "" {
		region = os.Getenv("CLOUDSDK_FUNCTIONS_REGION")
	}
	if region == "" {
		region = os.Getenv("CLOUDSDK_COMPUTE_REGION")
	}
	var probs []error
	if project == "" {
		probs = append(probs, errors.New("gcpdeploy: no Google Cloud project: pass --project or set GOOGLE_CLOUD_PROJECT"))
	}
	if region == "" {
		probs = append(probs, errors.New("gcpdeploy: no region: pass --region or set CLOUDSDK_COMPUTE_REGION"))
	}
	return project, region, errors.Join(probs...)
}

func newClients(ctx context.Context, project, region string, o *ClientOptions) (*clients, error) {
	if o == nil {
		o = &ClientOptions{}
	}
	c := &clients{project: project, region: region, upload: o.Upload}
	if c.upload == nil {
		c.upload = http.DefaultClient
	}
	var err error
	if c.fn, err = functions.NewFunctionClient(ctx, o.Functions...); err != nil {
		return nil, fmt.Errorf("gcpdeploy: Cloud Functions client: %w", err)
	}
	if c.ps, err = pubsub.NewClient(ctx, project, o.PubSub...); err != nil {
		c.close()
		return nil, fmt.Errorf("gcpdeploy: Pub/Sub client: %w", err)
	}
	if c.gcs, err = storage.NewClient(ctx, o.Storage...); err != nil {
		c.close()
		return nil, fmt.Errorf("gcpdeploy: Cloud Storage client: %w", err)
	}
	if c.iam, err = iamadmin.NewIamClient(ctx, o.IAM...); err != nil {
		c.close()
		return nil, fmt.Errorf("gcpdeploy: IAM client: %w", err)
	}
	if c.run, err = run.NewServicesClient(ctx, o.Run...); err != nil {
		c.close()
		return nil, fmt.Errorf("gcpdeploy: Cloud Run client: %w", err)
	}
	if c.sched, err = scheduler.NewCloudSchedulerClient(ctx, o.Scheduler...); err != nil {
		c.close()
		return nil, fmt.Errorf("gcpdeploy: Cloud Scheduler client: %w", err)
	}
	if c.arc, err = eventarc.NewClient(ctx, o.Eventarc...); err != nil {
		c.close()
		return nil, fmt.Errorf("gcpdeploy: Eventarc client: %w", err)
	}
	if c.fs, err = fsadmin.NewFirestoreAdminClient(ctx, o.Firestore...); err != nil {
		c.close()
		return nil, fmt.Errorf("gcpdeploy: Firestore admin client: %w", err)
	}
	if c.rm, err = resourcemanager.NewProjectsClient(ctx, o.ResourceManager...); err != nil {
		c.close()
		return nil, fmt.Errorf("gcpdeploy: Resource Manager client: %w", err)
	}
	return c, nil
}

func (c *clients) close() {
	if c.fn != nil {
		c.fn.Close()
	}
	if c.ps != nil {
		c.ps.Close()
	}
	if c.gcs != nil {
		c.gcs.Close()
	}
	if c.iam != nil {
		c.iam.Close()
	}
	if c.run != nil {
		c.run.Close()
	}
	if c.sched != nil {
		c.sched.Close()
	}
	if c.arc != nil {
		c.arc.Close()
	}
	if c.fs != nil {
		c.fs.Close()
	}
	if c.rm != nil {
		c.rm.Close()
	}
}
