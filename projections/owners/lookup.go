package owners

import (
	"context"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Lookup is the handlers' Owners port: the view, read once the projections
// applied every committed event, so a secret created just before is known.
type Lookup struct {
	view *View
	sync func(context.Context) error
}

var _ handlers.Owners = (*Lookup)(nil)

// NewLookup reads view after sync returns (the service's WaitProjections).
func NewLookup(view *View, sync func(context.Context) error) (*Lookup, error) {
	if view == nil || sync == nil {
		return nil, errors.New("ownership: a view and a sync are required")
	}
	return &Lookup{view: view, sync: sync}, nil
}

// Owner returns the creator of the secret at subject, "" when unknown.
func (l *Lookup) Owner(ctx context.Context, subject string) (string, error) {
	if err := l.sync(ctx); err != nil {
		return "", fmt.Errorf("%w: owners: %v", handlers.ErrUnavailable, err)
	}
	owner, err := l.view.Owner(subject)
	if err != nil {
		return "", fmt.Errorf("%w: owners: %v", handlers.ErrUnavailable, err)
	}
	return owner, nil
}

// Names is the handlers' CreatedNames port: the names bucket of the view,
// read once the projections applied every committed event, so a list
// shows a secret created just before under its name and no name of one
// deleted just before.
type Names struct {
	view *View
	sync func(context.Context) error
}

var _ handlers.CreatedNames = (*Names)(nil)

// NewNames reads view after sync returns (the service's WaitProjections).
func NewNames(view *View, sync func(context.Context) error) (*Names, error) {
	if view == nil || sync == nil {
		return nil, errors.New("ownership: a view and a sync are required")
	}
	return &Names{view: view, sync: sync}, nil
}

// Names returns key → name as created of tenant's secrets in scope.
func (n *Names) Names(ctx context.Context, tenant string, scope secretpath.Scope) (map[string]string, error) {
	if err := n.sync(ctx); err != nil {
		return nil, fmt.Errorf("%w: owners: %v", handlers.ErrUnavailable, err)
	}
	names, err := n.view.Names(tenant + "/" + string(scope) + "/")
	if err != nil {
		return nil, fmt.Errorf("%w: owners: %v", handlers.ErrUnavailable, err)
	}
	return names, nil
}
