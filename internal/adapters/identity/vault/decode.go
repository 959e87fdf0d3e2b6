package vault

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
)

// storedGroup is a group as read from Vault, with its id.
type storedGroup struct {
	ID string
	handlers.Group
}

// readGroup reads the group called name; name must be checked already.
func (a *Admin) readGroup(ctx context.Context, name string) (storedGroup, error) {
	secret, err := a.client.Logical().ReadWithContext(ctx, "identity/group/name/"+name)
	if err != nil {
		return storedGroup{}, vaultErr(err)
	}
	if secret == nil || secret.Data == nil {
		return storedGroup{}, fmt.Errorf("%w: no group %q", handlers.ErrNotFound, name)
	}
	// Re-encoding is simpler than asserting every field of a map[string]any.
	raw, err := json.Marshal(secret.Data)
	if err != nil {
		return storedGroup{}, fmt.Errorf("re-encode group %q: %w", name, err)
	}
	var wire struct {
		ID       string            `json:"id"`
		Name     string            `json:"name"`
		Policies []string          `json:"policies"`
		Metadata map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil || wire.ID == "" {
		return storedGroup{}, fmt.Errorf("%w: group %q: unexpected answer", handlers.ErrUnavailable, name)
	}
	// Vault keeps policies in the order written; the port returns them sorted.
	policies := append([]string{}, wire.Policies...)
	slices.Sort(policies)
	g := handlers.Group{Name: wire.Name, Policies: slices.Compact(policies)}
	if len(wire.Metadata) > 0 {
		g.Metadata = wire.Metadata
	}
	return storedGroup{ID: wire.ID, Group: g}, nil
}

// secretField returns a string field of an answer's data, if any.
func secretField(secret *api.Secret, key string) (string, bool) {
	if secret == nil || secret.Data == nil {
		return "", false
	}
	v, ok := secret.Data[key].(string)
	return v, ok
}
