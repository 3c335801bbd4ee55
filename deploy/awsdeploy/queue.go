package awsdeploy

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// Resource kinds of the message driver.
const (
	kindQueue        = "sqs-queue"
	kindSubscription = "sns-subscription"
	kindMapping      = "lambda-event-source-mapping"
)

// dlqRetention keeps dead letters for the longest SQS allows: 14 days.
const dlqRetention = "1209600"

// queueAttrs are the attributes faas sets on a Message function's queue
// (dlq false) or its dead-letter queue (dlq true).
func (e *env) queueAttrs(f sdk.FunctionManifest, dlq bool) map[string]string {
	if dlq {
		return map[string]string{string(sqstypes.QueueAttributeNameMessageRetentionPeriod): dlqRetention}
	}
	attempts := f.Message.MaxAttempts
	if attempts == 0 {
		attempts = 5
	}
	redrive, _ := json.Marshal(map[string]any{"deadLetterTargetArn": e.queueARN(e.dlq(f.Name)), "maxReceiveCount": attempts})
	pol, _ := json.Marshal(policy{Version: "2012-10-17", Statement: []statement{{
		Sid: "TopicToQueue", Effect: "Allow", Principal: map[string]string{"Service": "sns.amazonaws.com"},
		Action: []string{"sqs:SendMessage"}, Resource: []string{e.queueARN(e.queue(f.Name))},
		Condition: map[string]any{"ArnEquals": map[string]string{"aws:SourceArn": e.topicARN(f.Message.Topic)}},
	}}})
	// Lambda requires a visibility timeout of at least the function's
	// timeout; AWS recommends six times it.
	vis := min(max(6*int(e.wantConfig(f).timeout), 30), 43200)
	return map[string]string{
		string(sqstypes.QueueAttributeNameVisibilityTimeout): strconv.Itoa(vis),
		string(sqstypes.QueueAttributeNameRedrivePolicy):     string(redrive),
		string(sqstypes.QueueAttributeNamePolicy):            string(pol),
	}
}

// messageFunctions are the manifest's Message functions on topics faas binds.
func (e *env) messageFunctions() []sdk.FunctionManifest {
	var fs []sdk.FunctionManifest
	for _, f := range e.t.Manifest.Functions {
		if f.Message != nil {
			fs = append(fs, f)
		}
	}
	return fs
}

func planQueues(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	for _, f := range e.messageFunctions() {
		for _, dlq := range []bool{true, false} {
			s, err := planQueue(ctx, e, f, dlq)
			if err != nil {
				return nil, 0, err
			}
			if s == nil {
				same++
			} else {
				steps = append(steps, *s)
			}
		}
		s, err := planSubscription(ctx, e, f)
		if err != nil {
			return nil, 0, err
		}
		if s == nil {
			same++
		} else {
			steps = append(steps, *s)
		}
		if s, err = planMapping(ctx, e, f); err != nil {
			return nil, 0, err
		}
		if s == nil {
			same++
		} else {
			steps = append(steps, *s)
		}
	}
	return steps, same, nil
}

func planQueue(ctx context.Context, e *env, f sdk.FunctionManifest, dlq bool) (*step, error) {
	name := e.queue(f.Name)
	if dlq {
		name = e.dlq(f.Name)
	}
	want := e.queueAttrs(f, dlq)
	u, err := e.c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
	if isNotFound(err) {
		return &step{deploy.Change{Action: deploy.Create, Kind: kindQueue, Name: name}, func(ctx context.Context) error {
			_, err := e.c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: want, Tags: e.tags()})
			return err
		}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading queue %s: %w", name, err)
	}
	out, err := e.c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		return nil, fmt.Errorf("reading queue %s: %w", name, err)
	}
	var diffs []deploy.Diff
	for _, k := range slicesSorted(want) {
		if !sameAttr(out.Attributes[k], want[k]) {
			diffs = append(diffs, deploy.Diff{Field: k, Old: out.Attributes[k], New: want[k]})
		}
	}
	if len(diffs) == 0 {
		return nil, nil
	}
	return &step{deploy.Change{Action: deploy.Update, Kind: kindQueue, Name: name, Diffs: diffs}, func(ctx context.Context) error {
		_, err := e.c.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: u.QueueUrl, Attributes: want})
		return err
	}}, nil
}

// sameAttr compares two attribute values, as JSON when both are JSON.
func sameAttr(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(normalize(x), normalize(y))
}

// normalize makes JSON numbers and numeric strings compare equal (SQS
// gives maxReceiveCount back as a string or a number).
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, x := range t {
			m[k] = normalize(x)
		}
		return m
	case []any:
		var s []any
		for _, x := range t {
			s = append(s, normalize(x))
		}
		return s
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return v
}

func slicesSorted(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// subscription returns the ARN of the topic's raw-delivery subscription
// of f's queue, and whether raw delivery is on; "" if there is none.
func (e *env) subscription(ctx context.Context, f sdk.FunctionManifest) (arn string, raw bool, err error) {
	topic, queue := e.topicARN(f.Message.Topic), e.queueARN(e.queue(f.Name))
	in := &sns.ListSubscriptionsByTopicInput{TopicArn: &topic}
	for more := true; more; more = in.NextToken != nil {
		page, err := e.c.sns.ListSubscriptionsByTopic(ctx, in)
		if isNotFound(err) {
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("listing the subscriptions of %s: %w", topic, err)
		}
		in.NextToken = page.NextToken
		for _, s := range page.Subscriptions {
			if aws.ToString(s.Endpoint) != queue || aws.ToString(s.Protocol) != "sqs" {
				continue
			}
			a, err := e.c.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: s.SubscriptionArn})
			if err != nil {
				return "", false, fmt.Errorf("reading subscription %s: %w", aws.ToString(s.SubscriptionArn), err)
			}
			return aws.ToString(s.SubscriptionArn), a.Attributes["RawMessageDelivery"] == "true", nil
		}
	}
	return "", false, nil
}

func planSubscription(ctx context.Context, e *env, f sdk.FunctionManifest) (*step, error) {
	name := e.topic(f.Message.Topic) + " → " + e.queue(f.Name)
	arn, raw, err := e.subscription(ctx, f)
	if err != nil {
		return nil, err
	}
	switch {
	case arn == "":
		return &step{deploy.Change{Action: deploy.Create, Kind: kindSubscription, Name: name}, func(ctx context.Context) error {
			_, err := e.c.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(e.topicARN(f.Message.Topic)), Protocol: aws.String("sqs"),
				Endpoint: aws.String(e.queueARN(e.queue(f.Name))), Attributes: map[string]string{"RawMessageDelivery": "true"}, ReturnSubscriptionArn: true})
			return err
		}}, nil
	case !raw:
		return &step{deploy.Change{Action: deploy.Update, Kind: kindSubscription, Name: name, Diffs: []deploy.Diff{{Field: "RawMessageDelivery", Old: "false", New: "true"}}}, func(ctx context.Context) error {
			_, err := e.c.sns.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: &arn, AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("true")})
			return err
		}}, nil
	}
	return nil, nil
}

// mapping returns f's queue → function event source mapping, or nil.
func (e *env) mapping(ctx context.Context, function, queueARN string) (*lambdatypes.EventSourceMappingConfiguration, error) {
	out, err := e.c.lambda.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: &function, EventSourceArn: &queueARN})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the event source mappings of %s: %w", function, err)
	}
	for _, m := range out.EventSourceMappings {
		if aws.ToString(m.EventSourceArn) == queueARN {
			return &m, nil
		}
	}
	return nil, nil
}

func planMapping(ctx context.Context, e *env, f sdk.FunctionManifest) (*step, error) {
	fn, q := e.function(f.Name), e.queueARN(e.queue(f.Name))
	name := e.queue(f.Name) + " → " + fn
	m, err := e.mapping(ctx, fn, q)
	if err != nil {
		return nil, err
	}
	report := []lambdatypes.FunctionResponseType{lambdatypes.FunctionResponseTypeReportBatchItemFailures}
	if m == nil {
		return &step{deploy.Change{Action: deploy.Create, Kind: kindMapping, Name: name}, func(ctx context.Context) error {
			return retryIAM(ctx, func() error {
				_, err := e.c.lambda.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: &fn, EventSourceArn: &q,
					FunctionResponseTypes: report, BatchSize: aws.Int32(10), Enabled: aws.Bool(true), Tags: e.tags()})
				return err
			})
		}}, nil
	}
	if slices.Contains(m.FunctionResponseTypes, lambdatypes.FunctionResponseTypeReportBatchItemFailures) {
		return nil, nil
	}
	return &step{deploy.Change{Action: deploy.Update, Kind: kindMapping, Name: name, Diffs: []deploy.Diff{{Field: "function_response_types", Old: fmt.Sprint(m.FunctionResponseTypes), New: "[ReportBatchItemFailures]"}}}, func(ctx context.Context) error {
		_, err := e.c.lambda.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: m.UUID, FunctionResponseTypes: report})
		return err
	}}, nil
}

// deleteMappings deletes every event source mapping of a function.
func deleteMappings(ctx context.Context, e *env, function string) error {
	out, err := e.c.lambda.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: &function})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, m := range out.EventSourceMappings {
		if _, err := e.c.lambda.DeleteEventSourceMapping(ctx, &lambda.DeleteEventSourceMappingInput{UUID: m.UUID}); err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}

// deleteQueues deletes an app function's queue and dead-letter queue,
// recording them in res if it is not nil.
func deleteQueues(ctx context.Context, e *env, fn string, res *deploy.DestroyResult) error {
	for _, name := range []string{e.queue(fn), e.dlq(fn)} {
		u, err := e.c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := e.c.sqs.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: u.QueueUrl}); err != nil && !isNotFound(err) {
			return err
		}
		if res != nil {
			e.deleted(res, kindQueue, name)
		}
	}
	return nil
}

func destroyQueues(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	for _, f := range e.messageFunctions() {
		if arn, _, err := e.subscription(ctx, f); err != nil {
			return err
		} else if arn != "" {
			if _, err := e.c.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: &arn}); err != nil && !isNotFound(err) {
				return err
			}
			e.deleted(res, kindSubscription, e.topic(f.Message.Topic)+" → "+e.queue(f.Name))
		}
		if err := deleteMappings(ctx, e, e.function(f.Name)); err != nil {
			return err
		}
		if err := deleteQueues(ctx, e, f.Name, res); err != nil {
			return err
		}
	}
	return nil
}
