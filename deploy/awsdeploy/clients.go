package awsdeploy

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/faaskit/faas/deploy"
)

// clients are the service clients of one deployment, all from one
// aws.Config (the SDK's default chain, --region and --profile).
type clients struct {
	region  string
	account string
	s3      *s3.Client
	iam     *iam.Client
	lambda  *lambda.Client
	logs    *cloudwatchlogs.Client
	ddb     *dynamodb.Client
	sns     *sns.Client
	sqs     *sqs.Client
	sched   *scheduler.Client
	apigw   *apigatewayv2.Client
	cognito *cognitoidentityprovider.Client
}

// newClients loads the SDK's default configuration (environment, shared
// files, SSO; AWS_ENDPOINT_URL and its per-service variants apply) with
// the --region and --profile settings, adds apiOptions to every client,
// and reads the account ID.
func newClients(ctx context.Context, s deploy.Settings, apiOptions []func(*middleware.Stack) error) (*clients, error) {
	var opts []func(*config.LoadOptions) error
	if r := s["region"]; r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	if p := s["profile"]; p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("awsdeploy: loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("awsdeploy: no AWS region: pass --region or set AWS_REGION")
	}
	cfg.APIOptions = append(cfg.APIOptions, apiOptions...)
	c := &clients{
		region:  cfg.Region,
		s3:      s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = cfg.BaseEndpoint != nil }),
		iam:     iam.NewFromConfig(cfg),
		lambda:  lambda.NewFromConfig(cfg),
		logs:    cloudwatchlogs.NewFromConfig(cfg),
		ddb:     dynamodb.NewFromConfig(cfg),
		sns:     sns.NewFromConfig(cfg),
		sqs:     sqs.NewFromConfig(cfg),
		sched:   scheduler.NewFromConfig(cfg),
		apigw:   apigatewayv2.NewFromConfig(cfg),
		cognito: cognitoidentityprovider.NewFromConfig(cfg),
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("awsdeploy: reading the account (sts:GetCallerIdentity): %w", err)
	}
	c.account = aws.ToString(id.Account)
	return c, nil
}
