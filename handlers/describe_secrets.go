package handlers

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// DescribeImagePullSecrets lists the caller's image-pull secrets with the
// metadata of each (version, created, updated), never a value: the
// console's list. The REST list stays names only.
type DescribeImagePullSecrets struct {
	Auth
}

// DescribePackageRegistrySecrets is DescribeImagePullSecrets for the
// package-registry secrets.
type DescribePackageRegistrySecrets struct {
	Auth
}

// DescribeFabricSecrets is DescribeImagePullSecrets for the Fabric
// secrets, named by controller id.
type DescribeFabricSecrets struct {
	Auth
}

// SecretSummary is one secret of a describe: its metadata, no value.
type SecretSummary struct {
	Name        string    `json:"name"`
	Version     int       `json:"version"`
	CreatedTime time.Time `json:"createdTime"`
	UpdatedTime time.Time `json:"updatedTime"`
}

// Describe handles DescribeImagePullSecrets.
func (h *ImagePullSecrets) Describe(ctx context.Context, cmd DescribeImagePullSecrets) (Result, error) {
	return h.secrets.describe(ctx, cmd.Caller)
}

// Describe handles DescribePackageRegistrySecrets.
func (h *PackageRegistrySecrets) Describe(ctx context.Context, cmd DescribePackageRegistrySecrets) (Result, error) {
	return h.secrets.describe(ctx, cmd.Caller)
}

// Describe handles DescribeFabricSecrets.
func (h *FabricSecrets) Describe(ctx context.Context, cmd DescribeFabricSecrets) (Result, error) {
	return h.secrets.describe(ctx, cmd.Caller)
}

// describe is list with each listed secret's metadata, read a few at a
// time (against Vault each is a round trip); no value is read. A secret
// gone meanwhile, or whose current version is deleted or destroyed, is
// left out: a GET of it would be not found. Audited as a list.
func (s credentialSecrets) describe(ctx context.Context, c Caller) (Result, error) {
	listed, err := s.listed(ctx, c)
	if err != nil {
		return Result{}, err
	}
	found := make([]SecretSummary, len(listed))
	ok := make([]bool, len(listed))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(listReadConcurrency)
	for i, l := range listed {
		g.Go(func() error {
			p, err := secretpath.New(s.scope, c.Tenant, l.key)
			if err != nil { // a key written outside this service
				return nil
			}
			meta, err := s.store.Metadata(gctx, c, p)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return storeErr("describe "+s.kind.noun+"s: metadata", p, err)
			}
			if v, seen := meta.Versions[meta.CurrentVersion]; seen && (v.Destroyed || !v.DeletionTime.IsZero()) {
				return nil
			}
			found[i] = SecretSummary{
				Name: l.name, Version: meta.CurrentVersion,
				CreatedTime: meta.CreatedTime.UTC(), UpdatedTime: meta.UpdatedTime.UTC(),
			}
			ok[i] = true
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	summaries := make([]SecretSummary, 0, len(listed))
	for i, f := range found {
		if ok[i] {
			summaries = append(summaries, f)
		}
	}
	return Result{Events: []events.Outcome{s.listedEvent(c, len(summaries))}, Reply: summaries}, nil
}
