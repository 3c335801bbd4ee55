package awsdeploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/faaskit/faas/deploy"
)

// kindLogGroup is the CloudWatch Logs group kind.
const kindLogGroup = "log-group"

// logRetentionDays is how long function logs are kept.
const logRetentionDays = 30

// logGroups returns the faas log groups of the app+stage, with their
// retention.
func (e *env) logGroups(ctx context.Context) (map[string]int32, error) {
	got := map[string]int32{}
	in := &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/" + e.prefix() + "-")}
	for more := true; more; more = in.NextToken != nil {
		page, err := e.c.logs.DescribeLogGroups(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing log groups: %w", err)
		}
		in.NextToken = page.NextToken
		for _, g := range page.LogGroups {
			got[aws.ToString(g.LogGroupName)] = aws.ToInt32(g.RetentionInDays)
		}
	}
	return got, nil
}

func planLogGroups(ctx context.Context, e *env) ([]step, int, error) {
	got, err := e.logGroups(ctx)
	if err != nil {
		return nil, 0, err
	}
	var steps []step
	same := 0
	for _, f := range e.t.Manifest.Functions {
		name := e.logGroup(f.Name)
		retention, ok := got[name]
		setRetention := func(ctx context.Context) error {
			_, err := e.c.logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: &name, RetentionInDays: aws.Int32(logRetentionDays)})
			return err
		}
		switch {
		case !ok:
			steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindLogGroup, Name: name}, func(ctx context.Context) error {
				_, err := e.c.logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &name, Tags: e.tags()})
				if err != nil && !errorCode(err, "ResourceAlreadyExistsException") {
					return err
				}
				return setRetention(ctx)
			}})
		case retention != logRetentionDays:
			steps = append(steps, step{deploy.Change{Action: deploy.Update, Kind: kindLogGroup, Name: name,
				Diffs: []deploy.Diff{{Field: "retention_days", Old: fmt.Sprint(retention), New: fmt.Sprint(logRetentionDays)}}}, setRetention})
		default:
			same++
		}
	}
	return steps, same, nil
}

func destroyLogGroups(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	got, err := e.logGroups(ctx)
	if err != nil {
		return err
	}
	for name := range got {
		tags, err := e.c.logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(strings.TrimSuffix(e.logGroupARNOf(name), ":*"))})
		if err != nil || !e.owned(tags.Tags) {
			continue // not ours (another stage with a longer name), or untagged
		}
		if _, err := e.c.logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)}); err != nil && !isNotFound(err) {
			return err
		}
		e.deleted(res, kindLogGroup, name)
	}
	return nil
}

func (n names) logGroupARNOf(group string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", n.region, n.account, group)
}
