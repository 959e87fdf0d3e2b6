package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// ResolveRepoCredentials finds the credentials of a chart repository (the
// Package Manager's "parsing" request of seed 000). No stored credential is
// ErrNotFound, never an empty success: the Package Manager must learn that
// the repository's credentials are missing, not try anonymously.
//
// A parsing request may carry the service's scheduler namespace: when
// SchedulerNamespace is set (with ServiceID), it is stored as the service's
// order metadata (service-order-data/{tenant}/{serviceId}), which the
// deployment requests of the same service answer with. It is stored only
// when the credentials were found: a refused command changes nothing.
type ResolveRepoCredentials struct {
	Auth
	RepositoryURL      string `json:"repositoryUrl"`
	ServiceID          string `json:"serviceId,omitempty"`
	SchedulerNamespace string `json:"schedulerNamespace,omitempty"`
}

// ChangesState reports whether the request stores something (the service's
// scheduler namespace): then it is a command, else a query (a read).
func (c ResolveRepoCredentials) ChangesState() bool { return c.SchedulerNamespace != "" }

// RepoCredentials is the reply: the seed's repoCredentials.
type RepoCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// ResolveRepo handles ResolveRepoCredentials.
func (h *CredentialRequests) ResolveRepo(ctx context.Context, cmd ResolveRepoCredentials) (Result, error) {
	if cmd.SchedulerNamespace != "" && cmd.ServiceID == "" {
		return Result{}, fmt.Errorf("%w: resolve repo credentials: a scheduler namespace needs the service id it belongs to", ErrInvalid)
	}
	cred, ev, err := h.pkg.FindPackageRegistryCredential(ctx, cmd.Caller, cmd.RepositoryURL)
	if errors.Is(err, ErrNotFound) {
		// The URL normalised, since Find succeeded in normalising it.
		name, _ := secretpath.NormalizeRegistryName(cmd.RepositoryURL)
		return Result{}, fmt.Errorf("resolve repo credentials: no package-registry credentials for %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Result{}, fmt.Errorf("resolve repo credentials: %w", err)
	}
	evs := []events.Outcome{ev}
	if cmd.SchedulerNamespace != "" {
		stored, err := h.storeSchedulerNamespace(ctx, cmd.Caller, cmd.ServiceID, cmd.SchedulerNamespace)
		if err != nil {
			return Result{}, err
		}
		evs = append(evs, stored)
	}
	return Result{
		Events: evs,
		Reply:  RepoCredentials{Username: cred.Username, Password: cred.Password},
	}, nil
}

// storeSchedulerNamespace writes the service's order metadata.
func (h *CredentialRequests) storeSchedulerNamespace(ctx context.Context, c Caller, serviceID, namespace string) (events.Outcome, error) {
	const op = "resolve repo credentials: store service-order data"
	if err := checkSchedulerNamespace(namespace); err != nil {
		return events.Outcome{}, fmt.Errorf("%w: %s: %v", ErrInvalid, op, err)
	}
	p, err := secretpath.New(secretpath.ServiceOrderData, c.Tenant, serviceID)
	if err != nil {
		return events.Outcome{}, fmt.Errorf("%w: %s: %v", ErrInvalid, op, err)
	}
	meta, err := h.store.Write(ctx, c, p, SecretData{schedulerNamespaceKey: namespace}, nil)
	if err != nil {
		return events.Outcome{}, nameErr(op, serviceID, err)
	}
	return events.Outcome{
		Type: events.ServiceOrderDataStored, Tenant: p.Tenant, Subject: subject(p),
		Data: map[string]any{"serviceId": serviceID, "version": meta.CurrentVersion, "actor": c.Subject},
	}, nil
}

// checkSchedulerNamespace accepts a Kubernetes namespace name (RFC 1123
// label: lower-case alphanumerics and '-', at most 63 characters).
func checkSchedulerNamespace(ns string) error {
	if len(ns) > 63 {
		return errors.New("scheduler namespace longer than 63 characters")
	}
	for i, r := range ns {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' && i > 0 && i < len(ns)-1
		if !ok {
			return errors.New("scheduler namespace is not a Kubernetes namespace name (lower-case letters, digits and inner '-')")
		}
	}
	return nil
}
