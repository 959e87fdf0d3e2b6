package owners

import (
	"context"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/handlers"
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
