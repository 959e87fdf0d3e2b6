package vault

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/hypo-registry/registry/handlers"
)

// CreatePolicy writes p unless a policy of that name exists (ErrConflict).
// Vault has no create-only write for policies: the check comes first, so two
// concurrent creators of one name may both succeed, the last one winning.
func (a *Admin) CreatePolicy(ctx context.Context, p handlers.Policy) error {
	if err := a.createPolicy(ctx, p); err != nil {
		return handlers.OpErr(fmt.Sprintf("vaultidentity create policy %q", p.Name), err)
	}
	return nil
}

func (a *Admin) createPolicy(ctx context.Context, p handlers.Policy) error {
	name, err := handlers.PolicyName(p.Name)
	if err != nil {
		return err
	}
	switch _, err := a.readPolicy(ctx, name); {
	case err == nil:
		return fmt.Errorf("%w: policy %q exists", handlers.ErrConflict, name)
	case !isNotFound(err):
		return err
	}
	return a.writePolicy(ctx, name, p.Rules)
}

// PutPolicy creates or replaces p.
func (a *Admin) PutPolicy(ctx context.Context, p handlers.Policy) error {
	name, err := handlers.PolicyName(p.Name)
	if err == nil {
		err = a.writePolicy(ctx, name, p.Rules)
	}
	if err != nil {
		return handlers.OpErr(fmt.Sprintf("vaultidentity put policy %q", p.Name), err)
	}
	return nil
}

// writePolicy sends the rules base64-encoded: Vault decodes a policy that
// happens to be valid base64 anyway, so rules sent clear could be stored as
// something else than written. Encoded, they are stored exactly.
func (a *Admin) writePolicy(ctx context.Context, name, rules string) error {
	if strings.TrimSpace(rules) == "" {
		// Vault would store a blank policy; identitystore refuses it too.
		return fmt.Errorf("%w: policy rules are empty", handlers.ErrInvalid)
	}
	data := map[string]any{"policy": base64.StdEncoding.EncodeToString([]byte(rules))}
	if _, err := a.client.Logical().WriteWithContext(ctx, "sys/policies/acl/"+name, data); err != nil {
		return vaultErr(err)
	}
	return nil
}

// GetPolicy returns the policy called name (any case), or ErrNotFound.
func (a *Admin) GetPolicy(ctx context.Context, name string) (handlers.Policy, error) {
	key, err := handlers.PolicyName(name)
	var p handlers.Policy
	if err == nil {
		p, err = a.readPolicy(ctx, key)
	}
	if err != nil {
		return handlers.Policy{}, handlers.OpErr(fmt.Sprintf("vaultidentity get policy %q", name), err)
	}
	return p, nil
}

func (a *Admin) readPolicy(ctx context.Context, name string) (handlers.Policy, error) {
	secret, err := a.client.Logical().ReadWithContext(ctx, "sys/policies/acl/"+name)
	if err != nil {
		return handlers.Policy{}, vaultErr(err)
	}
	if secret == nil || secret.Data == nil {
		return handlers.Policy{}, fmt.Errorf("%w: no policy %q", handlers.ErrNotFound, name)
	}
	rules, ok := secret.Data["policy"].(string)
	if !ok {
		return handlers.Policy{}, fmt.Errorf("%w: policy %q: answer without rules", handlers.ErrUnavailable, name)
	}
	return handlers.Policy{Name: name, Rules: rules}, nil
}

// DeletePolicy removes the policy called name, or returns ErrNotFound (Vault
// itself answers a delete of a missing policy with success). Groups naming
// it keep the name.
func (a *Admin) DeletePolicy(ctx context.Context, name string) error {
	key, err := handlers.PolicyName(name)
	if err == nil {
		_, err = a.readPolicy(ctx, key)
	}
	if err == nil {
		_, err = a.client.Logical().DeleteWithContext(ctx, "sys/policies/acl/"+key)
		err = wrapVault(err)
	}
	if err != nil {
		return handlers.OpErr(fmt.Sprintf("vaultidentity delete policy %q", name), err)
	}
	return nil
}
