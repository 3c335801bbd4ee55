package azuredeploy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"strings"

	"github.com/faaskit/faas/sdk"
)

// Tags every resource group and resource this deployer makes carries.
// Destroy deletes a group only if all its resources carry the target's
// app and stage tags.
const (
	tagApp      = "faas-app"
	tagStage    = "faas-stage"
	tagTemplate = "faas-template-sha256" // on a resource group: the hash of the template deployed into it
	tagPackage  = "faas-package-sha256"  // on the app group: the hash of the package OneDeploy received
	tagKey      = "faas-trigger-key"     // on the app group: the pinned trigger key (Layout.TriggerKey)
)

// names derives every Azure name of one app+stage. Globally unique names
// (storage account, function app, Service Bus namespace, Cosmos account)
// end in a hash of the subscription, app and stage.
type names struct {
	app, stage, sub string
	group           string // --resource-group, if given
}

func (n names) prefix() string { return n.app + "-" + n.stage }

// suffix is 6 hex digits of the subscription, app and stage.
func (n names) suffix() string {
	h := sha256.Sum256([]byte(n.sub + "/" + n.app + "/" + n.stage))
	return hex.EncodeToString(h[:3])
}

// appGroup is the resource group of everything but the data.
func (n names) appGroup() string {
	if n.group != "" {
		return n.group
	}
	return n.prefix()
}

// dataGroup holds the storage account and the database, which destroy
// keeps unless --delete-data.
func (n names) dataGroup() string { return n.appGroup() + "-data" }

func (n names) site() string      { return n.prefix() + "-" + n.suffix() }
func (n names) plan() string      { return n.prefix() + "-plan" }
func (n names) namespace() string { return "sb-" + n.prefix() + "-" + n.suffix() }
func (n names) cosmos() string    { return strings.ToLower(n.prefix()) + "-" + n.suffix() }
func (n names) database() string  { return n.app }

// storage is the storage account: 3-24 lower-case letters and digits.
func (n names) storage() string {
	var b strings.Builder
	for _, r := range strings.ToLower(n.app + n.stage) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if len(s) > 18 {
		s = s[:18]
	}
	return s + n.suffix()
}

// packageContainer is the blob container Flex Consumption deploys from.
const packageContainer = "app-package"

// container is the blob container of a bucket.
func container(bucket string) string { return strings.ToLower(bucket) }

// envKey is a resource's binding variable.
func envKey(r sdk.ResourceManifest) string {
	if r.Env != "" {
		return r.Env
	}
	return provider.EnvVar(r.Kind, r.Name)
}

// guid derives a stable role-assignment name (a GUID) from its parts, as
// the template function guid() does.
func guid(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "|")))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return fmt.Sprintf("%s-%s-%s-%s-%s", x[:8], x[8:12], x[12:16], x[16:20], x[20:32])
}
