package gcpdeploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	functionspb "cloud.google.com/go/functions/apiv2/functionspb"
	"cloud.google.com/go/scheduler/apiv1/schedulerpb"
	"google.golang.org/api/iterator"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindJob is the Cloud Scheduler job kind.
const kindJob = "scheduler-job"

// timeZone is the zone the jobs' cron expressions are read in.
const timeZone = "Etc/UTC"

// cronOf is the unix-cron expression of a schedule: Cron as declared, or
// Every as minutes or hours that divide the hour or the day (checkLimits
// refuses the others).
func cronOf(s *sdk.ScheduleTrigger) (string, error) {
	if s.Cron != "" {
		return s.Cron, nil
	}
	switch d := s.Every; {
	case d >= time.Minute && d < time.Hour && d%time.Minute == 0 && time.Hour%d == 0:
		return fmt.Sprintf("*/%d * * * *", d/time.Minute), nil
	case d == time.Hour:
		return "0 * * * *", nil
	case d > time.Hour && d <= 24*time.Hour && d%time.Hour == 0 && (24*time.Hour)%d == 0:
		if d == 24*time.Hour {
			return "0 0 * * *", nil
		}
		return fmt.Sprintf("0 */%d * * *", d/time.Hour), nil
	}
	return "", fmt.Errorf("every %s is not a whole number of minutes dividing an hour or of hours dividing a day", s.Every)
}

// desiredJob is the job of schedule function fm, calling uri with an
// OIDC token of the invoker service account.
func (e *env) desiredJob(fm *sdk.FunctionManifest, uri string) *schedulerpb.Job {
	cron, _ := cronOf(fm.Schedule)
	return &schedulerpb.Job{
		Name:        e.job(fm.Name),
		Description: "faas " + e.prefix() + " " + fm.Name + " (" + fm.Schedule.Expr + ")",
		Schedule:    cron,
		TimeZone:    timeZone,
		Target: &schedulerpb.Job_HttpTarget{HttpTarget: &schedulerpb.HttpTarget{
			Uri: uri, HttpMethod: schedulerpb.HttpMethod_POST,
			AuthorizationHeader: &schedulerpb.HttpTarget_OidcToken{OidcToken: &schedulerpb.OidcToken{
				ServiceAccountEmail: e.saEmail(e.invokerSA()), Audience: uri}},
		}},
	}
}

// functionURI is the https URI of a deployed function's service.
func (e *env) functionURI(ctx context.Context, fn string) (string, error) {
	f, err := e.c.fn.GetFunction(ctx, &functionspb.GetFunctionRequest{Name: e.function(fn)})
	if err != nil {
		return "", err
	}
	return f.GetServiceConfig().GetUri(), nil
}

func jobDiffs(live, want *schedulerpb.Job) []deploy.Diff {
	var d []deploy.Diff
	if live.GetSchedule() != want.GetSchedule() {
		d = append(d, deploy.Diff{Field: "schedule", Old: live.GetSchedule(), New: want.GetSchedule()})
	}
	if live.GetTimeZone() != want.GetTimeZone() {
		d = append(d, deploy.Diff{Field: "time_zone", Old: live.GetTimeZone(), New: want.GetTimeZone()})
	}
	lt, wt := live.GetHttpTarget(), want.GetHttpTarget()
	if lt.GetUri() != wt.GetUri() {
		d = append(d, deploy.Diff{Field: "uri", Old: lt.GetUri(), New: wt.GetUri()})
	}
	if lt.GetOidcToken().GetServiceAccountEmail() != wt.GetOidcToken().GetServiceAccountEmail() || lt.GetOidcToken().GetAudience() != wt.GetOidcToken().GetAudience() {
		d = append(d, deploy.Diff{Field: "oidc_token", Old: lt.GetOidcToken().GetServiceAccountEmail(), New: wt.GetOidcToken().GetServiceAccountEmail()})
	}
	return d
}

// liveJobs lists the jobs of this app+stage (by name prefix: jobs have no
// labels).
func (e *env) liveJobs(ctx context.Context) (map[string]*schedulerpb.Job, error) {
	jobs := map[string]*schedulerpb.Job{}
	it := e.c.sched.ListJobs(ctx, &schedulerpb.ListJobsRequest{Parent: e.location()})
	for {
		j, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return jobs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing jobs: %w", err)
		}
		if strings.HasPrefix(j.GetName(), e.location()+"/jobs/"+e.prefix()+"-") {
			jobs[j.GetName()] = j
		}
	}
}

func planSchedules(ctx context.Context, e *env) ([]step, int, error) {
	live, err := e.liveJobs(ctx)
	if err != nil {
		return nil, 0, err
	}
	fns, err := e.liveFunctions(ctx)
	if err != nil {
		return nil, 0, err
	}
	var steps []step
	same := 0
	for i := range e.t.Manifest.Functions {
		fm := &e.t.Manifest.Functions[i]
		if fm.Schedule == nil {
			continue
		}
		name := e.job(fm.Name)
		cur := live[name]
		delete(live, name)
		if cur != nil {
			if f := fns[e.function(fm.Name)]; f != nil {
				if d := jobDiffs(cur, e.desiredJob(fm, f.GetServiceConfig().GetUri())); len(d) == 0 {
					same++
					continue
				} else {
					steps = append(steps, step{deploy.Change{Action: deploy.Update, Kind: kindJob, Name: name, Diffs: d}, func(ctx context.Context) error {
						uri, err := e.functionURI(ctx, fm.Name)
						if err != nil {
							return err
						}
						_, err = e.c.sched.UpdateJob(ctx, &schedulerpb.UpdateJobRequest{Job: e.desiredJob(fm, uri),
							UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"schedule", "time_zone", "http_target", "description"}}})
						return err
					}})
					continue
				}
			}
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindJob, Name: name}, func(ctx context.Context) error {
			uri, err := e.functionURI(ctx, fm.Name)
			if err != nil {
				return err
			}
			if cur != nil {
				_, err = e.c.sched.UpdateJob(ctx, &schedulerpb.UpdateJobRequest{Job: e.desiredJob(fm, uri)})
				return err
			}
			_, err = e.c.sched.CreateJob(ctx, &schedulerpb.CreateJobRequest{Parent: e.location(), Job: e.desiredJob(fm, uri)})
			return err
		}})
	}
	for name := range live {
		steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: kindJob, Name: name}, func(ctx context.Context) error {
			return e.c.sched.DeleteJob(ctx, &schedulerpb.DeleteJobRequest{Name: name})
		}})
	}
	return steps, same, nil
}

func destroySchedules(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	live, err := e.liveJobs(ctx)
	if err != nil {
		return err
	}
	for name := range live {
		if err := e.c.sched.DeleteJob(ctx, &schedulerpb.DeleteJobRequest{Name: name}); err != nil && !isNotFound(err) {
			return err
		}
		e.deleted(res, kindJob, name)
	}
	return nil
}
