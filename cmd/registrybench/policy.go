package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/hypo-registry/registry/internal/app"
)

// policyResult is the REST image-pull GET of an embedded registry with
// the authorization policies loaded beside the same GET of an embedded
// registry without a policy, measured in alternation in the same run.
type policyResult struct {
	Path       string `json:"policy"`
	Hash       string `json:"policyHash"`
	WithPolicy load   `json:"restImagePullGetWithPolicy"`
	Without    load   `json:"restImagePullGetWithoutPolicy"`
}

var policyNotes = []string{
	"policy.restImagePullGetWithPolicy = the REST image-pull GET of an embedded registry with REGISTRY_AUTHZ_POLICY = policy.policy (-policy, default deploy/policies: the shipped examples); policy.restImagePullGetWithoutPolicy = the same GET of an embedded registry without a policy, same secret, clients and concurrency; ratios.restGetWithPolicy = with / without",
	"the two sides run in alternation, without, with, with, without, each for half of -d, after a second's warm-up of each; rates sum the halves, p50/p99 are the mean of the halves' percentiles",
}

// benchPolicy measures the GET with the policy at path against the same
// GET without a policy.
func benchPolicy(ctx context.Context, dir, path string, logger *slog.Logger, conc int, dur time.Duration) (*policyResult, error) {
	without, err := startRegistry(ctx, filepath.Join(dir, "without"), logger)
	if err != nil {
		return nil, err
	}
	defer without.stop()
	with, err := startRegistry(ctx, filepath.Join(dir, "with"), logger, func(c *app.Config) { c.Policy.Path = path })
	if err != nil {
		return nil, fmt.Errorf("with the policy %s: %w", path, err)
	}
	defer with.stop()
	res := &policyResult{Path: path, Hash: with.svc.Policy().Hash()}
	var sides [2]side
	for i, r := range []*registry{without, with} {
		url, token, _, err := r.seedSecret()
		if err != nil {
			return nil, err
		}
		sides[i] = side{run: httpSide(bearerGet(url, token), conc)}
	}
	if err := warm(ctx, sides[:]...); err != nil {
		return nil, err
	}
	// Without, with, with, without: a drift of the machine over the run
	// weighs on both sides alike.
	loads, _, err := alternate(ctx, dur, sides)
	if err != nil {
		return nil, err
	}
	res.Without, res.WithPolicy = loads[0], loads[1]
	return res, nil
}
