package awsdeploy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"strings"

	"github.com/faaskit/faas/sdk"
)

// Tag keys on every resource a deployment owns.
const (
	TagApp   = "faas:app"
	TagStage = "faas:stage"
)

// names derives every cloud name of one app+stage in one account and
// region. Everything is <app>-<stage>-…; globally unique names (S3
// buckets, the Cognito domain) end in a short hash of the account and
// region.
type names struct {
	app, stage, region, account string
}

func (n names) prefix() string { return n.app + "-" + n.stage }

// suffix is 8 hex digits of the account and region, for global names.
func (n names) suffix() string {
	h := sha256.Sum256([]byte(n.account + "/" + n.region))
	return hex.EncodeToString(h[:4])
}

func (n names) function(fn string) string { return n.prefix() + "-" + fn }
func (n names) role() string              { return n.prefix() + "-fn" }
func (n names) schedulerRole() string     { return n.prefix() + "-scheduler" }
func (n names) artifactBucket() string    { return n.prefix() + "-faas-" + n.suffix() }
func (n names) bucket(r string) string    { return n.prefix() + "-" + r + "-" + n.suffix() }
func (n names) table(r string) string     { return n.prefix() + "-" + r }
func (n names) topic(r string) string     { return n.prefix() + "-" + r }
func (n names) queue(fn string) string    { return n.prefix() + "-" + fn }
func (n names) dlq(fn string) string      { return n.prefix() + "-" + fn + "-dlq" }
func (n names) logGroup(fn string) string { return "/aws/lambda/" + n.function(fn) }
func (n names) scheduleGroup() string     { return n.prefix() }
func (n names) api() string               { return n.prefix() }
func (n names) userPool() string          { return n.prefix() }
func (n names) userPoolClient() string    { return n.prefix() + "-web" }
func (n names) domain() string            { return n.prefix() + "-" + n.suffix() }

func (n names) functionARN(fn string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", n.region, n.account, n.function(fn))
}
func (n names) roleARN(role string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", n.account, role)
}
func (n names) tableARN(r string) string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", n.region, n.account, n.table(r))
}
func (n names) topicARN(r string) string {
	return fmt.Sprintf("arn:aws:sns:%s:%s:%s", n.region, n.account, n.topic(r))
}
func (n names) queueARN(q string) string {
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", n.region, n.account, q)
}
func (n names) logGroupARN(fn string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", n.region, n.account, n.logGroup(fn))
}
func (n names) issuer(poolID string) string {
	return fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", n.region, poolID)
}

// tags are the ownership tags of every resource.
func (n names) tags() map[string]string {
	return map[string]string{TagApp: n.app, TagStage: n.stage}
}

// owned reports whether tags mark a resource of this app+stage.
func (n names) owned(tags map[string]string) bool {
	return tags[TagApp] == n.app && tags[TagStage] == n.stage
}

// lambdaArch is the Lambda architecture of a Go architecture.
func lambdaArch(goarch string) string {
	if goarch == "amd64" || goarch == "x86_64" {
		return "x86_64"
	}
	return "arm64"
}

// envKey returns the binding variable of a declared resource.
func envKey(r sdk.ResourceManifest) string {
	if r.Env != "" {
		return r.Env
	}
	return provider.EnvVar(r.Kind, r.Name)
}

// hasWord reports whether s contains w (case-insensitive).
func hasWord(s, w string) bool { return strings.Contains(strings.ToLower(s), w) }

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
