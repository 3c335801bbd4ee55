package awsdeploy

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindNotification is the S3 bucket notification kind.
const kindNotification = "s3-notification"

// notificationID prefixes the IDs of the notification configurations
// faas owns; others on the bucket are kept.
const notificationID = "faas-"

// blobFunctions returns the manifest's BlobEvent functions by the
// resource name of their bucket.
func (e *env) blobFunctions() map[string][]sdk.FunctionManifest {
	m := map[string][]sdk.FunctionManifest{}
	for _, f := range e.t.Manifest.Functions {
		if f.Blob != nil {
			m[f.Blob.Bucket] = append(m[f.Blob.Bucket], f)
		}
	}
	return m
}

func (e *env) wantNotifications(fs []sdk.FunctionManifest) []s3types.LambdaFunctionConfiguration {
	var cs []s3types.LambdaFunctionConfiguration
	for _, f := range fs {
		c := s3types.LambdaFunctionConfiguration{Id: aws.String(notificationID + f.Name), LambdaFunctionArn: aws.String(e.functionARN(f.Name))}
		for _, ev := range f.Blob.Events {
			c.Events = append(c.Events, map[sdk.BlobEventKind]s3types.Event{sdk.BlobCreated: "s3:ObjectCreated:*", sdk.BlobDeleted: "s3:ObjectRemoved:*"}[ev])
		}
		if f.Blob.Prefix != "" {
			c.Filter = &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{{Name: s3types.FilterRuleNamePrefix, Value: aws.String(f.Blob.Prefix)}}}}
		}
		cs = append(cs, c)
	}
	return cs
}

// notifications reads a bucket's notification configuration, split into
// faas's Lambda configurations and the rest.
func (e *env) notifications(ctx context.Context, bucket string) (ours []s3types.LambdaFunctionConfiguration, all *s3.GetBucketNotificationConfigurationOutput, err error) {
	out, err := e.c.s3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: &bucket})
	if isNotFound(err) {
		return nil, &s3.GetBucketNotificationConfigurationOutput{}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the notifications of %s: %w", bucket, err)
	}
	for _, c := range out.LambdaFunctionConfigurations {
		if strings.HasPrefix(aws.ToString(c.Id), notificationID) {
			ours = append(ours, c)
		}
	}
	return ours, out, nil
}

// sameNotifications compares configurations by ID, function, events and
// prefix.
func sameNotifications(a, b []s3types.LambdaFunctionConfiguration) bool {
	key := func(cs []s3types.LambdaFunctionConfiguration) []string {
		var ks []string
		for _, c := range cs {
			prefix := ""
			if c.Filter != nil && c.Filter.Key != nil {
				for _, r := range c.Filter.Key.FilterRules {
					if strings.EqualFold(string(r.Name), "prefix") {
						prefix = aws.ToString(r.Value)
					}
				}
			}
			evs := fmt.Sprint(slices.Sorted(slices.Values(c.Events)))
			ks = append(ks, aws.ToString(c.Id)+"|"+aws.ToString(c.LambdaFunctionArn)+"|"+evs+"|"+prefix)
		}
		slices.Sort(ks)
		return ks
	}
	return reflect.DeepEqual(key(a), key(b))
}

// putNotifications writes want as faas's configurations of bucket,
// keeping the others.
func (e *env) putNotifications(ctx context.Context, bucket string, want []s3types.LambdaFunctionConfiguration) error {
	_, all, err := e.notifications(ctx, bucket)
	if err != nil {
		return err
	}
	cfg := &s3types.NotificationConfiguration{QueueConfigurations: all.QueueConfigurations, TopicConfigurations: all.TopicConfigurations, EventBridgeConfiguration: all.EventBridgeConfiguration}
	for _, c := range all.LambdaFunctionConfigurations {
		if !strings.HasPrefix(aws.ToString(c.Id), notificationID) {
			cfg.LambdaFunctionConfigurations = append(cfg.LambdaFunctionConfigurations, c)
		}
	}
	cfg.LambdaFunctionConfigurations = append(cfg.LambdaFunctionConfigurations, want...)
	_, err = e.c.s3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: &bucket, NotificationConfiguration: cfg})
	return err
}

func planNotifications(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	byBucket := e.blobFunctions()
	for _, r := range e.declared(sdk.KindBucket) {
		bucket := e.bucket(r.Name)
		fs := byBucket[r.Name]
		for _, f := range fs {
			s, err := planPermission(ctx, e, permission{function: e.function(f.Name), sid: "faas-s3-" + r.Name, principal: "s3.amazonaws.com",
				source: func() string { return "arn:aws:s3:::" + bucket }, account: e.account})
			if err != nil {
				return nil, 0, err
			}
			if s == nil {
				same++
			} else {
				steps = append(steps, *s)
			}
		}
		ours, _, err := e.notifications(ctx, bucket)
		if err != nil {
			return nil, 0, err
		}
		want := e.wantNotifications(fs)
		if sameNotifications(ours, want) {
			if len(want) > 0 {
				same++
			}
			continue
		}
		ch := deploy.Change{Action: deploy.Update, Kind: kindNotification, Name: bucket, Diffs: []deploy.Diff{{Field: "lambda_configurations", Old: fmt.Sprint(len(ours)), New: fmt.Sprint(len(want))}}}
		if len(ours) == 0 {
			ch.Action, ch.Diffs = deploy.Create, nil
		}
		steps = append(steps, step{ch, func(ctx context.Context) error { return e.putNotifications(ctx, bucket, want) }})
	}
	return steps, same, nil
}

func destroyNotifications(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	for _, r := range e.declared(sdk.KindBucket) {
		bucket := e.bucket(r.Name)
		ours, _, err := e.notifications(ctx, bucket)
		if err != nil {
			return err
		}
		if len(ours) == 0 {
			continue
		}
		if err := e.putNotifications(ctx, bucket, nil); err != nil {
			return err
		}
		e.deleted(res, kindNotification, bucket)
	}
	return nil
}
