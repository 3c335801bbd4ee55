package gcpdeploy

import (
	"context"
	"fmt"
	"strconv"

	"cloud.google.com/go/eventarc/apiv1/eventarcpb"
	functionspb "cloud.google.com/go/functions/apiv2/functionspb"
	"cloud.google.com/go/pubsub"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindDeadLetter is a Message function's dead-letter setting: a topic
// <app>-<stage>-<function>-dlq and, on the subscription Eventarc manages
// for the function's trigger, a dead-letter policy with MaxAttempts
// deliveries.
const kindDeadLetter = "pubsub-dead-letter"

// Pub/Sub's bounds on max delivery attempts.
const (
	minDeliveryAttempts = 5
	maxDeliveryAttempts = 100
)

func (n names) dlqID(fn string) string { return n.prefix() + "-" + lower(fn) + "-dlq" }
func (n names) dlq(fn string) string {
	return "projects/" + n.project + "/topics/" + n.dlqID(fn)
}

// subscriptionOf reads the subscription of a deployed function's
// Eventarc trigger ("" if it has none yet).
func (e *env) subscriptionOf(ctx context.Context, f *functionspb.Function) (string, error) {
	name := f.GetEventTrigger().GetTrigger()
	if name == "" {
		return "", nil
	}
	t, err := e.c.arc.GetTrigger(ctx, &eventarcpb.GetTriggerRequest{Name: name})
	if err != nil {
		return "", err
	}
	return t.GetTransport().GetPubsub().GetSubscription(), nil
}

func subID(sub string) string {
	for i := len(sub) - 1; i >= 0; i-- {
		if sub[i] == '/' {
			return sub[i+1:]
		}
	}
	return sub
}

func planDeadLetters(ctx context.Context, e *env) ([]step, int, error) {
	live, err := e.liveFunctions(ctx)
	if err != nil {
		return nil, 0, err
	}
	var steps []step
	same := 0
	for i := range e.t.Manifest.Functions {
		fm := &e.t.Manifest.Functions[i]
		if fm.Message == nil {
			continue
		}
		attempts := max(fm.Message.MaxAttempts, minDeliveryAttempts)
		dlqID := e.dlqID(fm.Name)
		ok, err := e.c.ps.Topic(dlqID).Exists(ctx)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindTopic, Name: e.dlq(fm.Name)}, func(ctx context.Context) error {
				_, err := e.c.ps.CreateTopicWithConfig(ctx, dlqID, &pubsub.TopicConfig{Labels: e.labels()})
				return err
			}})
		} else {
			same++
		}
		var diffs []deploy.Diff
		if f := live[e.function(fm.Name)]; f != nil {
			sub, err := e.subscriptionOf(ctx, f)
			if err != nil {
				return nil, 0, err
			}
			if sub != "" {
				cfg, err := e.c.ps.Subscription(subID(sub)).Config(ctx)
				if err != nil {
					return nil, 0, err
				}
				var oldTopic, oldN string
				if p := cfg.DeadLetterPolicy; p != nil {
					oldTopic, oldN = p.DeadLetterTopic, strconv.Itoa(p.MaxDeliveryAttempts)
				}
				if oldTopic == e.dlq(fm.Name) && oldN == strconv.Itoa(attempts) {
					same++
					continue
				}
				diffs = []deploy.Diff{{Field: "dead_letter", Old: oldTopic + " after " + oldN, New: e.dlq(fm.Name) + " after " + strconv.Itoa(attempts)}}
			}
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Update, Kind: kindDeadLetter, Name: e.function(fm.Name), Diffs: diffs}, func(ctx context.Context) error {
			f, err := e.c.fn.GetFunction(ctx, &functionspb.GetFunctionRequest{Name: e.function(fm.Name)})
			if err != nil {
				return err
			}
			sub, err := e.subscriptionOf(ctx, f)
			if err != nil {
				return err
			}
			if sub == "" {
				return fmt.Errorf("function %s has no Eventarc subscription yet", fm.Name)
			}
			_, err = e.c.ps.Subscription(subID(sub)).Update(ctx, pubsub.SubscriptionConfigToUpdate{
				DeadLetterPolicy: &pubsub.DeadLetterPolicy{DeadLetterTopic: e.dlq(fm.Name), MaxDeliveryAttempts: attempts}})
			return err
		}})
	}
	return steps, same, nil
}

// destroyDeadLetters deletes the dead-letter topics (the subscriptions
// go with their functions' triggers).
func destroyDeadLetters(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	for _, fm := range e.t.Manifest.Functions {
		if fm.Kind != sdk.KindMessage {
			continue
		}
		t := e.c.ps.Topic(e.dlqID(fm.Name))
		ok, err := t.Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := t.Delete(ctx); err != nil {
			return err
		}
		e.deleted(res, kindTopic, e.dlq(fm.Name))
	}
	return nil
}
