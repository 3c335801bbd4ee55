package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRunChangeReportsProgress(t *testing.T) {
	var events []Event
	tg := &Target{Progress: func(e Event) { events = append(events, e) }}
	c := Change{Action: Create, Kind: "topic", Name: "app-dev-events"}
	if err := RunChange(t.Context(), tg, c, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := RunChange(t.Context(), tg, c, func(context.Context) error { return boom })
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "create topic app-dev-events: ") {
		t.Errorf("err = %v; want boom wrapped with the change", err)
	}
	want := []Status{StatusStarted, StatusDone, StatusStarted, StatusFailed}
	if len(events) != len(want) {
		t.Fatalf("events %+v", events)
	}
	for i, e := range events {
		if e.Status != want[i] || e.Name != c.Name || (e.Status == StatusFailed) != (e.Err != nil) {
			t.Errorf("event %d = %+v; want status %s", i, e, want[i])
		}
	}
}
