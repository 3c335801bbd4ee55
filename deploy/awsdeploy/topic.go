package awsdeploy

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindTopic is the SNS topic kind.
const kindTopic = "sns-topic"

func topicExists(ctx context.Context, e *env, arn string) (bool, error) {
	_, err := e.c.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, err
}

func planTopics(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	for _, r := range e.declared(sdk.KindTopic) {
		name := e.topic(r.Name)
		ok, err := topicExists(ctx, e, e.topicARN(r.Name))
		if err != nil {
			return nil, 0, err
		}
		if ok {
			same++
			continue
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindTopic, Name: name}, func(ctx context.Context) error {
			var tags []snstypes.Tag
			for k, v := range e.tags() {
				tags = append(tags, snstypes.Tag{Key: aws.String(k), Value: aws.String(v)})
			}
			_, err := e.c.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: &name, Tags: tags})
			return err
		}})
	}
	return steps, same, nil
}

func destroyTopics(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	for _, r := range e.declared(sdk.KindTopic) {
		arn := e.topicARN(r.Name)
		ok, err := topicExists(ctx, e, arn)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if _, err := e.c.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: &arn}); err != nil {
			return err
		}
		e.deleted(res, kindTopic, e.topic(r.Name))
	}
	return nil
}
