package awsdeploy

import (
	"fmt"
	"strings"
	"time"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// Platform limits the deployer enforces before any call.
const (
	maxTimeout       = 15 * time.Minute
	minMemoryMB      = 128
	maxMemoryMB      = 10240
	minRate          = time.Minute
	maxReceiveCount  = 1000
	maxFunctionName  = 64
	maxQueueName     = 80
	maxBucketName    = 63
	maxRoleName      = 64
	maxGroupName     = 64
	maxDomainPrefix  = 63
	maxGSIs          = 20
	maxEnvironmentKB = 4
)

// Limits implements deploy.Deployer.
func (Provider) Limits() []deploy.Limit {
	return []deploy.Limit{
		{What: "function timeout", Max: maxTimeout.String(), Setting: "sdk.FunctionOptions.Timeout"},
		{What: "function memory", Max: fmt.Sprintf("%d–%d MB", minMemoryMB, maxMemoryMB), Setting: "sdk.FunctionOptions.MemoryMB"},
		{What: "schedule rate", Max: "every 1m or slower, whole minutes", Setting: "the schedule expression (App.Schedule)"},
		{What: "cron schedule", Max: "day-of-month or day-of-week, not both", Setting: "the schedule expression (App.Schedule)"},
		{What: "message delivery attempts", Max: fmt.Sprintf("%d (SQS maxReceiveCount)", maxReceiveCount), Setting: "sdk.MessageOptions.MaxAttempts"},
		{What: "blob triggers on one bucket", Max: "no two with overlapping prefixes for the same event", Setting: "sdk.BlobOptions.Prefix / Events"},
		{What: "secondary indexes per collection", Max: fmt.Sprint(maxGSIs), Setting: "sdk.CollectionOptions.Indexes"},
		{What: "function environment", Max: fmt.Sprintf("%d KB", maxEnvironmentKB), Setting: "resource and function names"},
		{What: "function name <app>-<stage>-<function>", Max: fmt.Sprintf("%d characters", maxFunctionName), Setting: "app name, --stage or function name"},
		{What: "queue name <app>-<stage>-<function>-dlq", Max: fmt.Sprintf("%d characters", maxQueueName), Setting: "app name, --stage or Message function name"},
		{What: "bucket name <app>-<stage>-<bucket>-<8 hex>", Max: fmt.Sprintf("%d characters", maxBucketName), Setting: "app name, --stage or bucket name"},
		{What: "role and schedule group names <app>-<stage>-scheduler", Max: fmt.Sprintf("%d characters", maxRoleName), Setting: "app name or --stage"},
		{What: "Cognito domain <app>-<stage>-<8 hex>", Max: fmt.Sprintf("%d characters, without aws, amazon or cognito", maxDomainPrefix), Setting: "app name or --stage (or --auth-issuer)"},
	}
}

// checkLimits returns a *deploy.LimitError listing every limit t exceeds,
// or nil. It makes no call: the account and region are not needed.
func checkLimits(t *deploy.Target) error {
	m := t.Manifest
	n := names{app: m.App, stage: t.Stage, account: "000000000000"}
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	long := func(what, name string, max int, fix string) {
		if len(name) > max {
			add("%s %q is %d characters; the limit is %d: shorten %s", what, name, len(name), max, fix)
		}
	}
	long("role name", n.schedulerRole(), maxRoleName, "the app name or --stage")
	long("schedule group name", n.scheduleGroup(), maxGroupName, "the app name or --stage")
	if t.Auth.Issuer == "" {
		long("Cognito domain", n.domain(), maxDomainPrefix, "the app name or --stage")
		for _, w := range []string{"aws", "amazon", "cognito"} {
			if hasWord(n.domain(), w) {
				add("Cognito domain %q contains the reserved word %q: rename the app or --stage, or use --auth-issuer", n.domain(), w)
			}
		}
	}
	envSize := 0
	for _, r := range m.Resources {
		envSize += len(envKey(r)) + 128 // a bound URL is under 128 bytes
		switch r.Kind {
		case sdk.KindBucket:
			long("bucket name", n.bucket(r.Name), maxBucketName, "the app name, --stage or bucket name")
		case sdk.KindCollection:
			if len(r.Indexes) > maxGSIs {
				add("collection %q declares %d indexes; DynamoDB allows %d per table: drop some from sdk.CollectionOptions.Indexes", r.Name, len(r.Indexes), maxGSIs)
			}
		}
	}
	blobs := map[string][]sdk.FunctionManifest{}
	for _, f := range m.Functions {
		long("function name", n.function(f.Name), maxFunctionName, "the app name, --stage or function name")
		if f.Timeout > maxTimeout {
			add("function %q: timeout %v exceeds Lambda's %v: lower sdk.FunctionOptions.Timeout", f.Name, f.Timeout, maxTimeout)
		}
		if f.MemoryMB != 0 && (f.MemoryMB < minMemoryMB || f.MemoryMB > maxMemoryMB) {
			add("function %q: memory %d MB is outside Lambda's %d–%d MB: change sdk.FunctionOptions.MemoryMB", f.Name, f.MemoryMB, minMemoryMB, maxMemoryMB)
		}
		switch {
		case f.Message != nil:
			long("queue name", n.dlq(f.Name), maxQueueName, "the app name, --stage or function name")
			if f.Message.MaxAttempts > maxReceiveCount {
				add("function %q: MaxAttempts %d exceeds SQS's maxReceiveCount limit %d: lower sdk.MessageOptions.MaxAttempts", f.Name, f.Message.MaxAttempts, maxReceiveCount)
			}
		case f.Schedule != nil:
			if _, err := scheduleExpression(f.Schedule); err != nil {
				add("function %q: %v", f.Name, err)
			}
		case f.Blob != nil:
			blobs[f.Blob.Bucket] = append(blobs[f.Blob.Bucket], f)
		}
	}
	if envSize > maxEnvironmentKB<<10 {
		add("the function environment would be about %d bytes; Lambda allows %d KB: declare fewer resources", envSize, maxEnvironmentKB)
	}
	for bucket, fs := range blobs {
		for i, a := range fs {
			for _, b := range fs[i+1:] {
				if overlaps(a.Blob, b.Blob) {
					add("bucket %q: blob functions %q and %q have overlapping prefixes (%q, %q) for the same event; S3 refuses that: give them disjoint sdk.BlobOptions.Prefix or Events", bucket, a.Name, b.Name, a.Blob.Prefix, b.Blob.Prefix)
				}
			}
		}
	}
	if len(probs) > 0 {
		return &deploy.LimitError{Provider: Name, Problems: probs}
	}
	return nil
}

// overlaps reports whether two blob triggers share an event and one
// prefix is a prefix of the other.
func overlaps(a, b *sdk.BlobTrigger) bool {
	shared := false
	for _, e := range a.Events {
		for _, f := range b.Events {
			shared = shared || e == f
		}
	}
	return shared && (strings.HasPrefix(a.Prefix, b.Prefix) || strings.HasPrefix(b.Prefix, a.Prefix))
}

// scheduleExpression converts a schedule trigger to an EventBridge
// Scheduler expression: rate(N minutes) or a six-field cron(...) with
// days of the week numbered 1 (SUN) to 7 and "?" in the unrestricted day
// field. It fails on what Scheduler cannot express.
func scheduleExpression(s *sdk.ScheduleTrigger) (string, error) {
	if s.Every > 0 {
		if s.Every < minRate || s.Every%time.Minute != 0 {
			return "", fmt.Errorf("schedule %q: EventBridge Scheduler runs at most every minute, in whole minutes: change the schedule expression", s.Expr)
		}
		m := int(s.Every / time.Minute)
		switch {
		case m%(24*60) == 0:
			return plural("rate(%d day%s)", m/(24*60)), nil
		case m%60 == 0:
			return plural("rate(%d hour%s)", m/60), nil
		}
		return plural("rate(%d minute%s)", m), nil
	}
	f := strings.Fields(s.Cron)
	if len(f) != 5 {
		return "", fmt.Errorf("schedule %q: want a five-field cron expression", s.Expr)
	}
	dom, dow := f[2], f[4]
	switch {
	case dom != "*" && dom != "?" && dow != "*" && dow != "?":
		return "", fmt.Errorf("schedule %q: EventBridge cron cannot restrict both day-of-month and day-of-week: change the schedule expression to restrict one", s.Expr)
	case dow == "*" || dow == "?":
		dow = "?"
	default:
		dom = "?"
		d, err := awsWeekdays(dow)
		if err != nil {
			return "", fmt.Errorf("schedule %q: %w", s.Expr, err)
		}
		dow = d
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)", f[0], f[1], dom, f[3], dow), nil
}

func plural(format string, n int) string {
	s := "s"
	if n == 1 {
		s = ""
	}
	return fmt.Sprintf(format, n, s)
}

// awsWeekdays renumbers a day-of-week field from cron's 0–7 (0 and 7 are
// Sunday) to EventBridge's 1–7 (1 is Sunday). Names pass unchanged.
func awsWeekdays(field string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(field); {
		c := field[i]
		if c < '0' || c > '9' {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(field) && field[j] >= '0' && field[j] <= '9' {
			j++
		}
		if i > 0 && field[i-1] == '/' { // a step, not a day
			b.WriteString(field[i:j])
			i = j
			continue
		}
		var d int
		fmt.Sscan(field[i:j], &d)
		if d > 7 {
			return "", fmt.Errorf("day of week %d: want 0–7", d)
		}
		fmt.Fprintf(&b, "%d", d%7+1)
		i = j
	}
	return b.String(), nil
}
