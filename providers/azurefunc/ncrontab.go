package azurefunc

import (
	"fmt"
	"strings"
	"time"

	"github.com/faaskit/faas/sdk"
)

// NCRONTAB returns the six-field NCRONTAB expression (seconds first, UTC)
// of a timerTrigger that fires on s. Five-field cron gains a leading "0".
// A rate becomes a cron step when it divides the next larger unit evenly:
// whole minutes dividing an hour ("0 */5 * * * *"), whole hours dividing a
// day ("0 0 */6 * * *") or exactly one day. Other rates cannot be written
// as NCRONTAB, and the TimeSpan form the host also accepts is not supported
// on Consumption or Flex Consumption plans, so NCRONTAB reports an error
// that azuredeploy shows at build time.
func NCRONTAB(s sdk.Schedule) (string, error) {
	if s.Cron != "" {
		f := strings.Fields(s.Cron)
		if len(f) != 5 {
			return "", fmt.Errorf("azurefunc: schedule %q: want five cron fields, got %d", s.Expr, len(f))
		}
		return "0 " + strings.Join(f, " "), nil
	}
	d := s.Every
	switch {
	case d <= 0 || d%time.Minute != 0:
	case d < time.Hour && time.Hour%d == 0:
		return fmt.Sprintf("0 */%d * * * *", d/time.Minute), nil
	case d == time.Hour:
		return "0 0 * * * *", nil
	case d < 24*time.Hour && d%time.Hour == 0 && (24*time.Hour)%d == 0:
		return fmt.Sprintf("0 0 */%d * * *", d/time.Hour), nil
	case d == 24*time.Hour:
		return "0 0 0 * * *", nil
	}
	return "", fmt.Errorf("azurefunc: schedule %q: Azure timer triggers cannot fire every %v on Consumption/Flex plans; "+
		"use a rate that divides an hour (1-30 minutes) or a day (1-12 hours), exactly 1 day, or a cron expression", s.Expr, d)
}
