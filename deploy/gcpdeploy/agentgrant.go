package gcpdeploy

import (
	"context"
	"fmt"
	"strings"

	functionspb "cloud.google.com/go/functions/apiv2/functionspb"
	"cloud.google.com/go/iam"

	"github.com/faaskit/faas/sdk"
)

// The roles the Pub/Sub service agent needs for dead-lettering: it
// publishes the undeliverable message to the dead-letter topic and
// acknowledges it on the source subscription.
const (
	roleAgentTopic        = "roles/pubsub.publisher"
	roleAgentSubscription = "roles/pubsub.subscriber"
)

// gcsAgentPrefix and gcsAgentDomain frame the Cloud Storage service
// agent's documented address, service-PROJECT_NUMBER@gs-project-accounts…,
// the one read call that reports the project number.
const (
	gcsAgentPrefix = "service-"
	gcsAgentDomain = "@gs-project-accounts.iam.gserviceaccount.com"
)

// pubsubAgent is the Pub/Sub service agent of the project,
// service-PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com. The
// project number comes from the Cloud Storage service agent's address
// (storage.projects.serviceAccount.get, a read).
func (e *env) pubsubAgent(ctx context.Context) (string, error) {
	if e.agent != "" {
		return e.agent, nil
	}
	email, err := e.c.gcs.ServiceAccount(ctx, e.project)
	if err != nil {
		return "", fmt.Errorf("reading the project's Cloud Storage service agent (for its project number): %w", err)
	}
	num, ok := strings.CutPrefix(email, gcsAgentPrefix)
	if num, ok = strings.CutSuffix(num, gcsAgentDomain); !ok || num == "" || strings.Trim(num, "0123456789") != "" {
		return "", fmt.Errorf("the project's Cloud Storage service agent %q is not service-PROJECT_NUMBER%s", email, gcsAgentDomain)
	}
	e.agent = "service-" + num + "@gcp-sa-pubsub.iam.gserviceaccount.com"
	return e.agent, nil
}

// planAgentGrants grants the Pub/Sub service agent roles/pubsub.publisher
// on each dead-letter topic and roles/pubsub.subscriber on the
// subscription Eventarc manages for each Message function. It runs after
// planDeadLetters, whose topics and the functions' subscriptions exist by
// then.
func planAgentGrants(ctx context.Context, e *env) ([]step, int, error) {
	var fns []sdk.FunctionManifest
	for _, fm := range e.t.Manifest.Functions {
		if fm.Message != nil {
			fns = append(fns, fm)
		}
	}
	if len(fns) == 0 {
		return nil, 0, nil
	}
	agent, err := e.pubsubAgent(ctx)
	if err != nil {
		return nil, 0, err
	}
	member := "serviceAccount:" + agent
	live, err := e.liveFunctions(ctx)
	if err != nil {
		return nil, 0, err
	}
	var gs []grant
	for _, fm := range fns {
		dlqID := e.dlqID(fm.Name)
		ok, err := e.c.ps.Topic(dlqID).Exists(ctx)
		if err != nil {
			return nil, 0, err
		}
		gs = append(gs, grant{e.dlq(fm.Name), roleAgentTopic, member, ok, func(context.Context) (*iam.Handle, error) { return e.c.ps.Topic(dlqID).IAM(), nil }})
		sub := ""
		if f := live[e.function(fm.Name)]; f != nil {
			if sub, err = e.subscriptionOf(ctx, f); err != nil {
				return nil, 0, err
			}
		}
		fn := e.function(fm.Name)
		name := sub
		if name == "" {
			name = "the Eventarc subscription of " + fn
		}
		gs = append(gs, grant{name, roleAgentSubscription, member, sub != "", func(ctx context.Context) (*iam.Handle, error) {
			f, err := e.c.fn.GetFunction(ctx, &functionspb.GetFunctionRequest{Name: fn})
			if err != nil {
				return nil, err
			}
			sub, err := e.subscriptionOf(ctx, f)
			if err != nil {
				return nil, err
			}
			if sub == "" {
				return nil, fmt.Errorf("function %s has no Eventarc subscription yet", fm.Name)
			}
			return e.c.ps.Subscription(subID(sub)).IAM(), nil
		}})
	}
	return planBindings(ctx, gs)
}
