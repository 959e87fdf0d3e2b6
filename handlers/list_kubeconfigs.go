package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// ListKubeconfigs lists the caller's kubeconfigs of both scopes: which
// services have one, never the kubeconfig itself.
type ListKubeconfigs struct {
	Auth
}

// KubeconfigEntry is one kubeconfig in a list.
type KubeconfigEntry struct {
	ServiceID   string    `json:"serviceId"`
	Scope       string    `json:"scope"`
	Version     int       `json:"version"`
	UpdatedTime time.Time `json:"updatedTime"`
}

// List handles ListKubeconfigs. The list is sorted by service id, CLUSTER
// before NAMESPACE_SA. A kubeconfig whose current version is deleted is
// left out: a read of it would be not found.
func (h *Kubeconfigs) List(ctx context.Context, cmd ListKubeconfigs) (Result, error) {
	c := cmd.Caller
	if err := secretpath.CheckTenant(c.Tenant); err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	entries := []KubeconfigEntry{}
	for i, s := range kubeconfigScopes {
		names, err := h.store.List(ctx, c, s.store, c.Tenant)
		if err != nil {
			return Result{}, fmt.Errorf("list kubeconfigs: %w", err)
		}
		for _, name := range names {
			e, ok, err := h.entry(ctx, c, i, name)
			if err != nil {
				return Result{}, err
			}
			if ok {
				entries = append(entries, e)
			}
		}
	}
	slices.SortStableFunc(entries, func(a, b KubeconfigEntry) int { return cmp.Compare(a.ServiceID, b.ServiceID) })
	return Result{
		Events: []events.Outcome{{
			Type: events.KubeconfigsListed, Tenant: c.Tenant, Subject: c.Tenant + "/kubeconfigs",
			Data: map[string]any{"count": len(entries), "actor": c.Subject},
		}},
		Reply: entries,
	}, nil
}

// entry reads the metadata of one listed kubeconfig; ok is false when it is
// gone or its current version deleted.
func (h *Kubeconfigs) entry(ctx context.Context, c Caller, scope int, name string) (KubeconfigEntry, bool, error) {
	s := kubeconfigScopes[scope]
	p, err := secretpath.New(s.store, c.Tenant, name)
	if err != nil { // a key written outside this service
		return KubeconfigEntry{}, false, nil
	}
	meta, err := h.store.Metadata(ctx, c, p)
	if errors.Is(err, ErrNotFound) {
		return KubeconfigEntry{}, false, nil
	}
	if err != nil {
		return KubeconfigEntry{}, false, storeErr("list kubeconfigs: metadata", p, err)
	}
	if v, ok := meta.Versions[meta.CurrentVersion]; ok && (v.Destroyed || !v.DeletionTime.IsZero()) {
		return KubeconfigEntry{}, false, nil
	}
	return KubeconfigEntry{ServiceID: name, Scope: s.name, Version: meta.CurrentVersion, UpdatedTime: meta.UpdatedTime}, true, nil
}
