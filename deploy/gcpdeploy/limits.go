package gcpdeploy

import (
	"fmt"
	"regexp"
	"time"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// Cloud Run functions (gen2) limits the deployer checks before any call.
const (
	maxHTTPTimeout  = 60 * time.Minute
	maxEventTimeout = 9 * time.Minute
	minMemoryMB     = 128
	maxMemoryMB     = 32768
	maxIDLen        = 63 // function IDs and bucket names
	maxSALen        = 30 // service account IDs
)

// functionIDRE is the function ID format the API accepts.
var functionIDRE = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// Limits implements deploy.Deployer.
func (Provider) Limits() []deploy.Limit {
	return []deploy.Limit{
		{What: "HTTP function timeout", Max: maxHTTPTimeout.String(), Setting: "sdk.FunctionOptions.Timeout"},
		{What: "event function timeout (Pub/Sub, Cloud Storage)", Max: maxEventTimeout.String(), Setting: "sdk.FunctionOptions.Timeout"},
		{What: "message delivery attempts", Max: fmt.Sprintf("%d-%d (Pub/Sub dead-letter policy; fewer count as %d)", minDeliveryAttempts, maxDeliveryAttempts, minDeliveryAttempts), Setting: "sdk.MessageOptions.MaxAttempts"},
		{What: "function memory", Max: fmt.Sprintf("%d-%d MB", minMemoryMB, maxMemoryMB), Setting: "sdk.FunctionOptions.MemoryMB"},
		{What: "function ID <app>-<stage>-<function>", Max: fmt.Sprintf("%d characters, [a-z][-a-z0-9]*", maxIDLen), Setting: "app, stage and function names"},
		{What: "bucket name <app>-<stage>-<bucket>-<8 hex>", Max: fmt.Sprintf("%d characters", maxIDLen), Setting: "app, stage and bucket names"},
		{What: "schedule", Max: "unix-cron: every whole minutes dividing an hour, or hours dividing a day", Setting: "sdk.Every, sdk.Cron"},
		{What: "service account ID <app>-<stage>-inv", Max: fmt.Sprintf("%d characters", maxSALen), Setting: "app and stage names"},
	}
}

// checkLimits returns a *deploy.LimitError listing every limit t exceeds.
func checkLimits(t *deploy.Target) error {
	n := names{app: t.App(), stage: t.Stage}
	var probs []string
	for _, fm := range t.Manifest.Functions {
		max := maxEventTimeout
		if fm.Kind == sdk.KindHTTP || fm.Kind == sdk.KindSchedule {
			max = maxHTTPTimeout
		}
		if fm.Timeout > max {
			probs = append(probs, fmt.Sprintf("function %s: timeout %s exceeds %s for a %s function", fm.Name, fm.Timeout, max, fm.Kind))
		}
		if fm.MemoryMB != 0 && (fm.MemoryMB < minMemoryMB || fm.MemoryMB > maxMemoryMB) {
			probs = append(probs, fmt.Sprintf("function %s: memory %d MB is outside %d-%d MB", fm.Name, fm.MemoryMB, minMemoryMB, maxMemoryMB))
		}
		if id := n.functionID(fm.Name); len(id) > maxIDLen || !functionIDRE.MatchString(id) {
			probs = append(probs, fmt.Sprintf("function %s: ID %q must be at most %d characters of [a-z0-9-], starting with a letter: shorten the app, stage or function name", fm.Name, id, maxIDLen))
		}
		if m := fm.Message; m != nil && m.MaxAttempts > maxDeliveryAttempts {
			probs = append(probs, fmt.Sprintf("function %s: %d delivery attempts exceed Pub/Sub's %d", fm.Name, m.MaxAttempts, maxDeliveryAttempts))
		}
		if s := fm.Schedule; s != nil {
			if _, err := cronOf(s); err != nil {
				probs = append(probs, fmt.Sprintf("function %s: schedule %s: %v (Cloud Scheduler runs unix-cron, at most once a minute): use a cron expression", fm.Name, s.Expr, err))
			}
		}
	}
	for _, r := range t.Manifest.Resources {
		if r.Kind == sdk.KindBucket && r.URL == "" {
			if b := n.bucket(r.Name); len(b) > maxIDLen {
				probs = append(probs, fmt.Sprintf("bucket %s: name %q is longer than %d characters: shorten the app, stage or bucket name", r.Name, b, maxIDLen))
			}
		}
	}
	if id := n.invokerSA(); len(id) > maxSALen {
		probs = append(probs, fmt.Sprintf("service account IDs %q and %q must be at most %d characters: shorten the app or stage name", n.runtimeSA(), id, maxSALen))
	}
	if probs != nil {
		return &deploy.LimitError{Provider: Name, Problems: probs}
	}
	return nil
}
