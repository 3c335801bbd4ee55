package sdk

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a parsed schedule expression. Exactly one of Cron and Every is
// set. Times are UTC on every provider.
type Schedule struct {
	Expr  string        `json:"expr"`            // as declared
	Cron  string        `json:"cron,omitempty"`  // five-field cron: minute hour day-of-month month day-of-week
	Every time.Duration `json:"every,omitempty"` // fixed rate, a whole number of minutes

	sched cron.Schedule
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// descriptors maps the @-forms to five-field cron so that every provider can
// express them.
var descriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// ParseSchedule parses a schedule expression. Accepted forms:
//
//	cron(0 3 * * *)      five-field cron, UTC
//	0 3 * * *            the same without the wrapper
//	@daily, @hourly, ... the usual descriptors
//	rate(5 minutes)      also: rate(1 hour), rate(2 days)
//	@every 15m           a Go duration, whole minutes
//
// Rates must be at least one minute and a whole number of minutes, the
// finest granularity every provider supports.
func ParseSchedule(expr string) (Schedule, error) {
	s := strings.TrimSpace(expr)
	switch {
	case strings.HasPrefix(s, "rate(") && strings.HasSuffix(s, ")"):
		d, err := parseRate(s[len("rate(") : len(s)-1])
		if err != nil {
			return Schedule{}, fmt.Errorf("sdk: schedule %q: %w", expr, err)
		}
		return newRate(expr, d)
	case strings.HasPrefix(s, "@every "):
		d, err := time.ParseDuration(strings.TrimSpace(s[len("@every "):]))
		if err != nil {
			return Schedule{}, fmt.Errorf("sdk: schedule %q: %w", expr, err)
		}
		return newRate(expr, d)
	case strings.HasPrefix(s, "cron(") && strings.HasSuffix(s, ")"):
		s = strings.TrimSpace(s[len("cron(") : len(s)-1])
	}
	if c, ok := descriptors[s]; ok {
		s = c
	}
	if strings.HasPrefix(s, "@") {
		return Schedule{}, fmt.Errorf("sdk: schedule %q: unknown descriptor", expr)
	}
	if n := len(strings.Fields(s)); n != 5 {
		return Schedule{}, fmt.Errorf("sdk: schedule %q: want 5 cron fields (minute hour day month weekday), got %d", expr, n)
	}
	sched, err := cronParser.Parse(s)
	if err != nil {
		return Schedule{}, fmt.Errorf("sdk: schedule %q: %w", expr, err)
	}
	return Schedule{Expr: expr, Cron: strings.Join(strings.Fields(s), " "), sched: sched}, nil
}

func newRate(expr string, d time.Duration) (Schedule, error) {
	if d < time.Minute || d%time.Minute != 0 {
		return Schedule{}, fmt.Errorf("sdk: schedule %q: rate must be a whole number of minutes, at least 1", expr)
	}
	return Schedule{Expr: expr, Every: d}, nil
}

func parseRate(s string) (time.Duration, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf("want rate(<n> <unit>)")
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("rate value %q must be a positive integer", f[0])
	}
	unit := map[string]time.Duration{
		"minute": time.Minute, "minutes": time.Minute,
		"hour": time.Hour, "hours": time.Hour,
		"day": 24 * time.Hour, "days": 24 * time.Hour,
	}[f[1]]
	if unit == 0 {
		return 0, fmt.Errorf("rate unit %q must be minute(s), hour(s) or day(s)", f[1])
	}
	return time.Duration(n) * unit, nil
}

// Next returns the first tick strictly after t.
func (s Schedule) Next(t time.Time) time.Time {
	t = t.UTC()
	if s.Every > 0 {
		return t.Truncate(s.Every).Add(s.Every)
	}
	if s.sched == nil { // a Schedule decoded from JSON: parse lazily
		p, err := ParseSchedule(s.Cron)
		if err != nil {
			return time.Time{}
		}
		s.sched = p.sched
	}
	return s.sched.Next(t)
}
