package azuredeploy_test

import (
	"context"
	"fmt"

	"github.com/faaskit/faas/deploy/azuredeploy"
	"github.com/faaskit/faas/sdk"
)

// The function.json of a Schedule function: a timerTrigger with the
// six-field NCRONTAB form of the declared rate.
func ExampleNewLayout() {
	app := sdk.New("reports", nil)
	app.Schedule("nightly", "rate(6 hours)", func(context.Context, *sdk.ScheduleEvent) error { return nil }, nil)
	layout, err := azuredeploy.NewLayout(app.Manifest(), nil)
	if err != nil {
		panic(err)
	}
	files, _ := layout.Files()
	// A non-HTTP function's folder carries the build's random trigger key.
	fmt.Print(string(files[layout.Folder("nightly")+"/function.json"]))
	// Output:
	// {
	//   "bindings": [
	//     {
	//       "type": "timerTrigger",
	//       "direction": "in",
	//       "name": "timer",
	//       "schedule": "0 0 */6 * * *",
	//       "runOnStartup": false,
	//       "useMonitor": true
	//     }
	//   ]
	// }
}
