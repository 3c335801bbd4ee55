package awsdeploy

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/faaskit/faas/deploy"
)

// Resource kinds of the Cognito driver.
const (
	kindUserPool = "cognito-user-pool"
	kindClient   = "cognito-app-client"
	kindDomain   = "cognito-domain"
)

// readCognito finds the app+stage's user pool (by name and tags), its app
// client and its domain.
func (e *env) readCognito(ctx context.Context) error {
	in := &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)}
	for more := true; more && e.poolID == ""; more = in.NextToken != nil {
		page, err := e.c.cognito.ListUserPools(ctx, in)
		if err != nil {
			return fmt.Errorf("listing user pools: %w", err)
		}
		in.NextToken = page.NextToken
		for _, up := range page.UserPools {
			if aws.ToString(up.Name) != e.userPool() {
				continue
			}
			d, err := e.c.cognito.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: up.Id})
			if err != nil {
				return fmt.Errorf("reading user pool %s: %w", aws.ToString(up.Id), err)
			}
			if e.owned(d.UserPool.UserPoolTags) {
				e.poolID, e.domain = aws.ToString(up.Id), aws.ToString(d.UserPool.Domain)
				break
			}
		}
	}
	if e.poolID == "" {
		return nil
	}
	_, err := e.client(ctx)
	return err
}

// client reads the app client, setting e.clientID.
func (e *env) client(ctx context.Context) (*ciptypes.UserPoolClientType, error) {
	out, err := e.c.cognito.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: &e.poolID, MaxResults: aws.Int32(60)})
	if err != nil {
		return nil, fmt.Errorf("listing the clients of %s: %w", e.poolID, err)
	}
	for _, c := range out.UserPoolClients {
		if aws.ToString(c.ClientName) == e.userPoolClient() {
			d, err := e.c.cognito.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &e.poolID, ClientId: c.ClientId})
			if err != nil {
				return nil, fmt.Errorf("reading client %s: %w", aws.ToString(c.ClientId), err)
			}
			e.clientID = aws.ToString(c.ClientId)
			return d.UserPoolClient, nil
		}
	}
	return nil, nil
}

// callbackURLs are where the hosted sign-in returns: the app's origin.
func (e *env) callbackURLs() []string { return []string{e.apiEndpoint + "/"} }

func (e *env) clientSettings() *cip.UpdateUserPoolClientInput {
	return &cip.UpdateUserPoolClientInput{
		UserPoolId: &e.poolID, ClientId: &e.clientID, ClientName: aws.String(e.userPoolClient()),
		AllowedOAuthFlows:               []ciptypes.OAuthFlowType{ciptypes.OAuthFlowTypeCode},
		AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes:              []string{"openid", "email", "profile"},
		CallbackURLs:                    e.callbackURLs(),
		LogoutURLs:                      e.callbackURLs(),
		SupportedIdentityProviders:      []string{"COGNITO"},
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, ciptypes.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth},
	}
}

func planCognito(ctx context.Context, e *env) ([]step, int, error) {
	if e.t.Auth.Issuer != "" {
		return nil, 0, nil
	}
	if err := e.readCognito(ctx); err != nil {
		return nil, 0, err
	}
	var steps []step
	same := 0
	if e.poolID == "" {
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindUserPool, Name: e.userPool()}, func(ctx context.Context) error {
			out, err := e.c.cognito.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(e.userPool()), UserPoolTags: e.tags(),
				AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail},
				UsernameAttributes:     []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail}})
			if err != nil {
				return err
			}
			e.poolID = aws.ToString(out.UserPool.Id)
			return nil
		}})
	} else {
		same++
	}
	var cur *ciptypes.UserPoolClientType
	if e.poolID != "" {
		var err error
		if cur, err = e.client(ctx); err != nil {
			return nil, 0, err
		}
	}
	switch {
	case cur == nil:
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindClient, Name: e.userPoolClient()}, func(ctx context.Context) error {
			s := e.clientSettings()
			out, err := e.c.cognito.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &e.poolID, ClientName: s.ClientName, GenerateSecret: false,
				AllowedOAuthFlows: s.AllowedOAuthFlows, AllowedOAuthFlowsUserPoolClient: s.AllowedOAuthFlowsUserPoolClient, AllowedOAuthScopes: s.AllowedOAuthScopes,
				CallbackURLs: s.CallbackURLs, LogoutURLs: s.LogoutURLs, SupportedIdentityProviders: s.SupportedIdentityProviders, ExplicitAuthFlows: s.ExplicitAuthFlows})
			if err != nil {
				return err
			}
			e.clientID = aws.ToString(out.UserPoolClient.ClientId)
			return nil
		}})
	case e.apiEndpoint != "" && !slices.Equal(cur.CallbackURLs, e.callbackURLs()):
		steps = append(steps, step{deploy.Change{Action: deploy.Update, Kind: kindClient, Name: e.userPoolClient(),
			Diffs: []deploy.Diff{{Field: "callback_urls", Old: fmt.Sprint(cur.CallbackURLs), New: fmt.Sprint(e.callbackURLs())}}}, func(ctx context.Context) error {
			_, err := e.c.cognito.UpdateUserPoolClient(ctx, e.clientSettings())
			return err
		}})
	default:
		same++
	}
	if e.domain == "" {
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindDomain, Name: e.names.domain()}, func(ctx context.Context) error {
			_, err := e.c.cognito.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String(e.names.domain()), UserPoolId: &e.poolID})
			if err != nil {
				return err
			}
			e.domain = e.names.domain()
			return nil
		}})
	} else {
		same++
	}
	return steps, same, nil
}

func destroyCognito(ctx context.Context, e *env, deleteData bool, res *deploy.DestroyResult) error {
	if err := e.readCognito(ctx); err != nil || e.poolID == "" {
		return err
	}
	if !deleteData {
		res.Kept = append(res.Kept, deploy.Resource{Kind: kindUserPool, Name: e.userPool() + " (" + e.poolID + ")"})
		return nil
	}
	if e.domain != "" {
		if _, err := e.c.cognito.DeleteUserPoolDomain(ctx, &cip.DeleteUserPoolDomainInput{Domain: &e.domain, UserPoolId: &e.poolID}); err != nil && !isNotFound(err) {
			return err
		}
		e.deleted(res, kindDomain, e.domain)
	}
	if _, err := e.c.cognito.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: &e.poolID}); err != nil && !isNotFound(err) {
		return err
	}
	e.deleted(res, kindUserPool, e.userPool())
	return nil
}
