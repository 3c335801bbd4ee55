package awsdeploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// Resource kinds of the HTTP API driver.
const (
	kindAPI         = "apigateway-http-api"
	kindIntegration = "apigateway-integration"
	kindRoute       = "apigateway-route"
	kindStage       = "apigateway-stage"
)

// readAPI finds the app+stage's HTTP API by name and tags.
func (e *env) readAPI(ctx context.Context) error {
	var next *string
	for {
		out, err := e.c.apigw.GetApis(ctx, &apigatewayv2.GetApisInput{NextToken: next})
		if err != nil {
			return fmt.Errorf("listing HTTP APIs: %w", err)
		}
		for _, a := range out.Items {
			if aws.ToString(a.Name) == e.api() && e.owned(a.Tags) {
				e.apiID, e.apiEndpoint = aws.ToString(a.ApiId), aws.ToString(a.ApiEndpoint)
				return nil
			}
		}
		if next = out.NextToken; next == nil {
			return nil
		}
	}
}

func planAPI(ctx context.Context, e *env) ([]step, int, error) {
	if err := e.readAPI(ctx); err != nil {
		return nil, 0, err
	}
	if e.apiID != "" {
		return nil, 1, nil
	}
	return []step{{deploy.Change{Action: deploy.Create, Kind: kindAPI, Name: e.api()}, func(ctx context.Context) error {
		out, err := e.c.apigw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String(e.api()), ProtocolType: apitypes.ProtocolTypeHttp, Tags: e.tags(),
			Description: aws.String("faas: " + e.prefix())})
		if err != nil {
			return err
		}
		e.apiID, e.apiEndpoint = aws.ToString(out.ApiId), aws.ToString(out.ApiEndpoint)
		return nil
	}}}, 0, nil
}

// routeKeys are the API Gateway route keys of an HTTP function's path:
// $default for "/", else the path and everything under it.
func routeKeys(path string) []string {
	if path == "/" || path == "" {
		return []string{"$default"}
	}
	p := strings.TrimSuffix(path, "/")
	return []string{"ANY " + p, "ANY " + p + "/{proxy+}"}
}

func planRoutes(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	integrations := map[string]string{} // function ARN → integration ID
	routes := map[string]apitypes.Route{}
	stage := false
	if e.apiID != "" {
		ints, err := e.c.apigw.GetIntegrations(ctx, &apigatewayv2.GetIntegrationsInput{ApiId: &e.apiID})
		if err != nil {
			return nil, 0, fmt.Errorf("reading the integrations of API %s: %w", e.apiID, err)
		}
		for _, i := range ints.Items {
			integrations[aws.ToString(i.IntegrationUri)] = aws.ToString(i.IntegrationId)
		}
		rs, err := e.c.apigw.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: &e.apiID})
		if err != nil {
			return nil, 0, fmt.Errorf("reading the routes of API %s: %w", e.apiID, err)
		}
		for _, r := range rs.Items {
			routes[aws.ToString(r.RouteKey)] = r
		}
		_, err = e.c.apigw.GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: &e.apiID, StageName: aws.String("$default")})
		if err != nil && !isNotFound(err) {
			return nil, 0, fmt.Errorf("reading the stage of API %s: %w", e.apiID, err)
		}
		stage = err == nil
	}
	// ids holds integration IDs, filled at apply time for new ones.
	ids := map[string]string{}
	for arn, id := range integrations {
		ids[arn] = id
	}
	wantRoutes := map[string]bool{}
	for _, f := range e.t.Manifest.Functions {
		if f.Kind != sdk.KindHTTP || f.HTTP == nil {
			continue
		}
		arn := e.functionARN(f.Name)
		if _, ok := integrations[arn]; ok {
			same++
		} else {
			steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindIntegration, Name: e.api() + " → " + e.function(f.Name)}, func(ctx context.Context) error {
				out, err := e.c.apigw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: &e.apiID, IntegrationType: apitypes.IntegrationTypeAwsProxy,
					IntegrationUri: &arn, PayloadFormatVersion: aws.String("2.0"), IntegrationMethod: aws.String("POST")})
				if err != nil {
					return err
				}
				ids[arn] = aws.ToString(out.IntegrationId)
				return nil
			}})
		}
		for _, key := range routeKeys(f.HTTP.Path) {
			wantRoutes[key] = true
			r, ok := routes[key]
			switch {
			case !ok:
				steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindRoute, Name: e.api() + " " + key}, func(ctx context.Context) error {
					_, err := e.c.apigw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: &e.apiID, RouteKey: aws.String(key), Target: aws.String("integrations/" + ids[arn])})
					return err
				}})
			case integrations[arn] == "" || aws.ToString(r.Target) != "integrations/"+integrations[arn]:
				steps = append(steps, step{deploy.Change{Action: deploy.Update, Kind: kindRoute, Name: e.api() + " " + key, Diffs: []deploy.Diff{{Field: "target", Old: aws.ToString(r.Target), New: e.function(f.Name)}}}, func(ctx context.Context) error {
					_, err := e.c.apigw.UpdateRoute(ctx, &apigatewayv2.UpdateRouteInput{ApiId: &e.apiID, RouteId: r.RouteId, Target: aws.String("integrations/" + ids[arn])})
					return err
				}})
			default:
				same++
			}
		}
		s, err := e.apiPermission(ctx, f)
		if err != nil {
			return nil, 0, err
		}
		if s == nil {
			same++
		} else {
			steps = append(steps, *s)
		}
	}
	for key, r := range routes {
		if !wantRoutes[key] {
			steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: kindRoute, Name: e.api() + " " + key}, func(ctx context.Context) error {
				_, err := e.c.apigw.DeleteRoute(ctx, &apigatewayv2.DeleteRouteInput{ApiId: &e.apiID, RouteId: r.RouteId})
				return err
			}})
		}
	}
	if stage {
		same++
	} else {
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindStage, Name: e.api() + " $default"}, func(ctx context.Context) error {
			_, err := e.c.apigw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: &e.apiID, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true), Tags: e.tags()})
			return err
		}})
	}
	return steps, same, nil
}

// apiPermission lets API Gateway invoke f from this API only.
func (e *env) apiPermission(ctx context.Context, f sdk.FunctionManifest) (*step, error) {
	p := permission{function: e.function(f.Name), sid: "faas-apigateway", principal: "apigateway.amazonaws.com", source: func() string {
		if e.apiID == "" {
			return unknown
		}
		return fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/*/*", e.region, e.account, e.apiID)
	}}
	return planPermission(ctx, e, p)
}

func destroyRoutes(ctx context.Context, e *env, _ bool, _ *deploy.DestroyResult) error {
	return e.readAPI(ctx) // the routes go with the API (destroyAPI)
}

func destroyAPI(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	if e.apiID == "" {
		return nil
	}
	if _, err := e.c.apigw.DeleteApi(ctx, &apigatewayv2.DeleteApiInput{ApiId: &e.apiID}); err != nil && !isNotFound(err) {
		return err
	}
	e.deleted(res, kindAPI, e.api())
	return nil
}
