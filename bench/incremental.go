package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

// IncrementalResult is one plan with a state file of a fleet of which
// Drift (a fraction) of the integrations were changed behind the tool's
// back.
type IncrementalResult struct {
	Drift float64
	FleetResult
	// Drifted is how many integrations were changed; Found how many the
	// plan found to update.
	Drifted, Found int
}

// MeasureIncremental applies fleetSpec to n projects with a state file,
// plans once to record what GitLab holds, then for each fraction of
// drifts changes that share of the 3n integrations through the API and
// measures the plan that follows (with the state file), then applies it
// to undo the drift. perSecond limits the in-memory GitLab (0: no limit).
func MeasureIncremental(ctx context.Context, n, perSecond int, drifts []float64) ([]IncrementalResult, error) {
	if _, ok := os.LookupEnv(fleet.StateKeyEnv); !ok {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		os.Setenv(fleet.StateKeyEnv, base64.StdEncoding.EncodeToString(key))
	}
	var opts []integrationstest.Option
	if perSecond > 0 {
		opts = append(opts, integrationstest.WithRateLimit(perSecond))
	}
	srv, err := newCountingServer(n, opts...)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	c, err := integrations.NewClient(Token, integrations.WithBaseURL(srv.URL()), integrations.WithAdaptiveRateLimit())
	if err != nil {
		return nil, err
	}
	if srv.gitlab.AddGroup("bench") == 0 {
		return nil, fmt.Errorf("integrationstest refused the group bench")
	}
	dir, err := os.MkdirTemp("", "fleet-incremental")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	spec := fleetSpec()
	popts := fleet.PlanOptions{LookupEnv: fleetEnv, StateFile: filepath.Join(dir, "state.json")}
	aopts := fleet.ApplyOptions{LookupEnv: fleetEnv, StateFile: popts.StateFile}
	apply := func() error {
		p, err := fleet.NewPlan(ctx, c, spec, popts)
		if err != nil {
			return err
		}
		res, err := fleet.Apply(ctx, c, p, aopts)
		if err == nil && res.Failed() > 0 {
			err = fmt.Errorf("%d changes failed", res.Failed())
		}
		return err
	}
	if err := apply(); err != nil {
		return nil, err
	}
	// Settled once GitLab's clock is a second past the writes; this plan
	// reads everything and records it.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
	if _, err := fleet.NewPlan(ctx, c, spec, popts); err != nil {
		return nil, err
	}
	slack, err := c.Integration("slack")
	if err != nil {
		return nil, err
	}
	jira, err := c.Integration("jira")
	if err != nil {
		return nil, err
	}
	var out []IncrementalResult
	for round, d := range drifts {
		k := int(d*float64(3*n) + 0.5)
		for m := range k {
			// k integrations spread evenly over the 3n: Slack of every
			// project first, then Emails on push, then Jira.
			j := m * 3 * n / k
			project := integrations.Project(projectName(j % n))
			switch j / n {
			case 0:
				_, err = slack.Set(ctx, project, integrations.Values{"webhook": slackWebhook, "channel": fmt.Sprintf("#drift%d", round)})
			case 1:
				_, err = c.EmailsOnPush.Set(ctx, project, &integrations.EmailsOnPushOptions{Recipients: fmt.Sprintf("drift%d@example.com", round)})
			default:
				_, err = jira.Set(ctx, project, integrations.Values{"url": fmt.Sprintf("https://drift%d.example.com", round), "password": "x"})
			}
			if err != nil {
				return out, err
			}
		}
		var p *fleet.Plan
		r := measureFleetPhase(srv, "plan", n, perSecond, func() (int, int, error) {
			var err error
			p, err = fleet.NewPlan(ctx, c, spec, popts)
			if err != nil {
				return 1, 0, err
			}
			return 0, p.Summary.Update, nil
		})
		out = append(out, IncrementalResult{Drift: d, FleetResult: r, Drifted: k, Found: r.Changes})
		if r.Failed > 0 {
			return out, fmt.Errorf("plan with %.0f%% drift failed", 100*d)
		}
		if p.HasChanges() {
			if _, err := fleet.Apply(ctx, c, p, aopts); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}
