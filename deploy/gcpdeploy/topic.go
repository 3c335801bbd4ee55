package gcpdeploy

import (
	"context"

	"cloud.google.com/go/pubsub"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindTopic is the Pub/Sub topic kind.
const kindTopic = "pubsub-topic"

func planTopics(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	for _, r := range e.declared(sdk.KindTopic) {
		id := e.topicID(r.Name)
		ok, err := e.c.ps.Topic(id).Exists(ctx)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			same++
			continue
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindTopic, Name: e.topic(r.Name)}, func(ctx context.Context) error {
			_, err := e.c.ps.CreateTopicWithConfig(ctx, id, &pubsub.TopicConfig{Labels: e.labels()})
			return err
		}})
	}
	return steps, same, nil
}

func destroyTopics(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	for _, r := range e.declared(sdk.KindTopic) {
		t := e.c.ps.Topic(e.topicID(r.Name))
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
		e.deleted(res, kindTopic, e.topic(r.Name))
	}
	return nil
}
