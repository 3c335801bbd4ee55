package azuredeploy

import (
	"fmt"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// Platform limits the deployer enforces before any call.
const (
	maxFlexMemoryMB  = 4096
	maxDeliveryCount = 2000 // Service Bus subscription maxDeliveryCount
	maxSiteName      = 60
	maxNamespaceName = 50
	maxCosmosName    = 44
	maxGroupName     = 90
	maxContainerName = 63
	minContainerName = 3
)

// Limits implements deploy.Deployer.
func (Provider) Limits() []deploy.Limit {
	return []deploy.Limit{
		{What: "function memory (Flex Consumption instance size)", Max: fmt.Sprintf("%d MB", maxFlexMemoryMB), Setting: "sdk.FunctionOptions.MemoryMB"},
		{What: "message delivery attempts", Max: fmt.Sprintf("%d (Service Bus maxDeliveryCount)", maxDeliveryCount), Setting: "sdk.MessageOptions.MaxAttempts"},
		{What: "function app name <app>-<stage>-<6 hex>", Max: fmt.Sprintf("%d characters", maxSiteName), Setting: "app name or --stage"},
		{What: "Service Bus namespace sb-<app>-<stage>-<6 hex>", Max: fmt.Sprintf("%d characters", maxNamespaceName), Setting: "app name or --stage"},
		{What: "Cosmos DB account <app>-<stage>-<6 hex>", Max: fmt.Sprintf("%d characters", maxCosmosName), Setting: "app name or --stage"},
		{What: "resource group <app>-<stage>-data", Max: fmt.Sprintf("%d characters", maxGroupName), Setting: "app name, --stage or --resource-group"},
		{What: "blob container (bucket name)", Max: fmt.Sprintf("%d–%d characters", minContainerName, maxContainerName), Setting: "bucket name"},
	}
}

// checkLimits returns a *deploy.LimitError listing every limit t exceeds,
// or nil. It makes no call.
func checkLimits(t *deploy.Target) error {
	m := t.Manifest
	n := names{app: m.App, stage: t.Stage, group: t.Settings["resource-group"]}
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	long := func(what, name string, max int, fix string) {
		if len(name) > max {
			add("%s %q is %d characters; the limit is %d: shorten %s", what, name, len(name), max, fix)
		}
	}
	long("function app name", n.site(), maxSiteName, "the app name or --stage")
	long("Service Bus namespace", n.namespace(), maxNamespaceName, "the app name or --stage")
	long("Cosmos DB account", n.cosmos(), maxCosmosName, "the app name or --stage")
	long("resource group", n.dataGroup(), maxGroupName, "the app name, --stage or --resource-group")
	for _, r := range m.Resources {
		if r.Kind == sdk.KindBucket {
			c := container(r.Name)
			long("blob container", c, maxContainerName, "the bucket name")
			if len(c) < minContainerName {
				add("blob container %q is shorter than %d characters: rename the bucket", c, minContainerName)
			}
			if c == packageContainer || c == lockContainer {
				add("bucket %q would be the blob container %q the deployer keeps for itself: rename the bucket", r.Name, c)
			}
		}
	}
	for _, f := range m.Functions {
		if f.MemoryMB > maxFlexMemoryMB {
			add("function %q asks for %d MB; Flex Consumption instances have at most %d MB: lower sdk.FunctionOptions.MemoryMB", f.Name, f.MemoryMB, maxFlexMemoryMB)
		}
		if f.Kind == sdk.KindMessage && f.Message.MaxAttempts > maxDeliveryCount {
			add("function %q: MaxAttempts %d exceeds Service Bus's maxDeliveryCount limit %d: lower sdk.MessageOptions.MaxAttempts", f.Name, f.Message.MaxAttempts, maxDeliveryCount)
		}
	}
	if len(probs) > 0 {
		return &deploy.LimitError{Provider: Name, Problems: probs}
	}
	return nil
}
