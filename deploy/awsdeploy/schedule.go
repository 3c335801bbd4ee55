package awsdeploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// Resource kinds of the schedule driver.
const (
	kindScheduleGroup = "scheduler-group"
	kindSchedule      = "scheduler-schedule"
)

func (e *env) scheduleFunctions() []sdk.FunctionManifest {
	var fs []sdk.FunctionManifest
	for _, f := range e.t.Manifest.Functions {
		if f.Schedule != nil {
			fs = append(fs, f)
		}
	}
	return fs
}

// schedulerPolicy lets the scheduler's role invoke the Schedule functions
// and nothing else.
func (e *env) schedulerPolicy() policy {
	var arns []string
	for _, f := range e.scheduleFunctions() {
		arns = append(arns, e.functionARN(f.Name))
	}
	return policy{Version: "2012-10-17", Statement: []statement{{Sid: "InvokeScheduled", Effect: "Allow", Action: []string{"lambda:InvokeFunction"}, Resource: arns}}}
}

func planSchedules(ctx context.Context, e *env) ([]step, int, error) {
	fs := e.scheduleFunctions()
	group := e.scheduleGroup()
	if len(fs) == 0 {
		return planNoSchedules(ctx, e)
	}
	steps, same, err := planRoleNamed(ctx, e, e.schedulerRole(), "scheduler.amazonaws.com", e.schedulerPolicy())
	if err != nil {
		return nil, 0, err
	}
	_, err = e.c.sched.GetScheduleGroup(ctx, &scheduler.GetScheduleGroupInput{Name: &group})
	groupExists := err == nil
	switch {
	case isNotFound(err):
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindScheduleGroup, Name: group}, func(ctx context.Context) error {
			var tags []schedtypes.Tag
			for k, v := range e.tags() {
				tags = append(tags, schedtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
			}
			_, err := e.c.sched.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: &group, Tags: tags})
			if errorCode(err, "ConflictException") {
				return nil
			}
			return err
		}})
	case err != nil:
		return nil, 0, fmt.Errorf("reading schedule group %s: %w", group, err)
	default:
		same++
	}
	wanted := map[string]bool{}
	for _, f := range fs {
		wanted[f.Name] = true
		expr, _ := scheduleExpression(f.Schedule) // checked by checkLimits
		in := &scheduler.CreateScheduleInput{Name: aws.String(f.Name), GroupName: &group, ScheduleExpression: &expr, ScheduleExpressionTimezone: aws.String("UTC"),
			FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
			Target:             &schedtypes.Target{Arn: aws.String(e.functionARN(f.Name)), RoleArn: aws.String(e.roleARN(e.schedulerRole()))}}
		name := group + "/" + f.Name
		if !groupExists {
			steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindSchedule, Name: name}, createSchedule(e, in)})
			continue
		}
		got, err := e.c.sched.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: in.Name, GroupName: &group})
		if isNotFound(err) {
			steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindSchedule, Name: name}, createSchedule(e, in)})
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("reading schedule %s: %w", name, err)
		}
		var diffs []deploy.Diff
		add := func(field, old, new string) {
			if old != new {
				diffs = append(diffs, deploy.Diff{Field: field, Old: old, New: new})
			}
		}
		add("expression", aws.ToString(got.ScheduleExpression), expr)
		add("timezone", aws.ToString(got.ScheduleExpressionTimezone), "UTC")
		if got.Target != nil {
			add("target", aws.ToString(got.Target.Arn), aws.ToString(in.Target.Arn))
			add("role", aws.ToString(got.Target.RoleArn), aws.ToString(in.Target.RoleArn))
		} else {
			add("target", "none", aws.ToString(in.Target.Arn))
		}
		if len(diffs) == 0 {
			same++
			continue
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Update, Kind: kindSchedule, Name: name, Diffs: diffs}, func(ctx context.Context) error {
			_, err := e.c.sched.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{Name: in.Name, GroupName: in.GroupName, ScheduleExpression: in.ScheduleExpression,
				ScheduleExpressionTimezone: in.ScheduleExpressionTimezone, FlexibleTimeWindow: in.FlexibleTimeWindow, Target: in.Target})
			return err
		}})
	}
	if groupExists {
		got, err := e.schedules(ctx)
		if err != nil {
			return nil, 0, err
		}
		for _, s := range got {
			if !wanted[s] {
				steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: kindSchedule, Name: group + "/" + s}, func(ctx context.Context) error {
					_, err := e.c.sched.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(s), GroupName: &group})
					if isNotFound(err) {
						return nil
					}
					return err
				}})
			}
		}
	}
	return steps, same, nil
}

// planNoSchedules removes the group, its schedules and the scheduler's
// role of an app that declares no schedule any more.
func planNoSchedules(ctx context.Context, e *env) ([]step, int, error) {
	group := e.scheduleGroup()
	_, err := e.c.sched.GetScheduleGroup(ctx, &scheduler.GetScheduleGroupInput{Name: &group})
	if isNotFound(err) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading schedule group %s: %w", group, err)
	}
	ss, err := e.schedules(ctx)
	if err != nil {
		return nil, 0, err
	}
	var steps []step
	for _, s := range ss {
		steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: kindSchedule, Name: group + "/" + s}, func(ctx context.Context) error {
			_, err := e.c.sched.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(s), GroupName: &group})
			if isNotFound(err) {
				return nil
			}
			return err
		}})
	}
	steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: kindScheduleGroup, Name: group}, func(ctx context.Context) error {
		_, err := e.c.sched.DeleteScheduleGroup(ctx, &scheduler.DeleteScheduleGroupInput{Name: &group})
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return deleteRole(ctx, e, e.schedulerRole(), &deploy.DestroyResult{})
	}})
	return steps, 0, nil
}

func createSchedule(e *env, in *scheduler.CreateScheduleInput) func(context.Context) error {
	return func(ctx context.Context) error {
		return retryIAM(ctx, func() error {
			_, err := e.c.sched.CreateSchedule(ctx, in)
			if errorCode(err, "ConflictException") {
				return nil
			}
			return err
		})
	}
}

// schedules lists the schedule names in the app+stage's group.
func (e *env) schedules(ctx context.Context) ([]string, error) {
	var names []string
	in := &scheduler.ListSchedulesInput{GroupName: aws.String(e.scheduleGroup())}
	for more := true; more; more = in.NextToken != nil {
		page, err := e.c.sched.ListSchedules(ctx, in)
		if isNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing schedules: %w", err)
		}
		in.NextToken = page.NextToken
		for _, s := range page.Schedules {
			names = append(names, aws.ToString(s.Name))
		}
	}
	return names, nil
}

func destroySchedules(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	group := e.scheduleGroup()
	if _, err := e.c.sched.GetScheduleGroup(ctx, &scheduler.GetScheduleGroupInput{Name: &group}); err == nil {
		ss, err := e.schedules(ctx)
		if err != nil {
			return err
		}
		for _, s := range ss {
			if _, err := e.c.sched.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(s), GroupName: &group}); err != nil && !isNotFound(err) {
				return err
			}
			e.deleted(res, kindSchedule, group+"/"+s)
		}
		if _, err := e.c.sched.DeleteScheduleGroup(ctx, &scheduler.DeleteScheduleGroupInput{Name: &group}); err != nil && !isNotFound(err) {
			return err
		}
		e.deleted(res, kindScheduleGroup, group)
	} else if !isNotFound(err) && !strings.Contains(err.Error(), "not found") {
		return err
	}
	return deleteRole(ctx, e, e.schedulerRole(), res)
}
