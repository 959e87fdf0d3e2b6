package registrytoken

import (
	"context"
	"slices"

	"github.com/hypo-registry/registry/internal/security/policy"
)

// ReasonPolicyDenied: the operator's authorization policy
// (REGISTRY_AUTHZ_POLICY) denied an action the plan allowed, in the strict
// grant mode (in the partial mode the token simply lacks it).
const ReasonPolicyDenied = "policy_denied"

// Policy is the operator's authorization policy (*policy.Engine): asked
// about each action of each scope the plan granted.
type Policy interface {
	Decide(ctx context.Context, in *policy.Input) policy.Decision
	Hash() string
}

var _ Policy = (*policy.Engine)(nil)

// UsePolicy makes p narrow every grant further. Call it before serving.
func (t *Tokens) UsePolicy(p Policy) { t.policy = p }

// policyVerdict is what the policy removed from a grant.
type policyVerdict struct {
	hash string
	// denied are the removed scope actions ("registry:catalog:*"), and
	// reason the first denial's reason.
	denied []string
	reason string
}

// narrow asks the policy about each action of access and returns the
// access it allows. Every scope keeps its place, possibly with no action
// left (a partial grant).
func (t *Tokens) narrow(ctx context.Context, cmd IssueRegistryToken, access []Scope) ([]Scope, policyVerdict) {
	if t.policy == nil {
		return access, policyVerdict{}
	}
	v := policyVerdict{hash: t.policy.Hash()}
	now := t.now()
	out := make([]Scope, len(access))
	for i, s := range access {
		out[i] = s
		out[i].Actions = slices.DeleteFunc(slices.Clone(s.Actions), func(a string) bool {
			one := Scope{Type: s.Type, Class: s.Class, Name: s.Name, Actions: []string{a}}.String()
			d := t.policy.Decide(ctx, &policy.Input{
				EntryPoint: policy.EntryToken, Scope: one, Action: a,
				Resource: policy.Resource{Scope: s.Type, Tenant: cmd.Caller.Tenant, Name: s.Name},
				Caller:   policy.Caller{Subject: cmd.Caller.Subject, Tenant: cmd.Caller.Tenant, Roles: cmd.Caller.Roles, Claims: cmd.Claims},
				Time:     now,
			})
			if d.Allow {
				return false
			}
			v.hash = d.Hash
			if len(v.denied) == 0 {
				v.reason = policy.DenyMessage(d)
			}
			v.denied = append(v.denied, one)
			return true
		})
	}
	return out, v
}

// record names the policy in a token event's data, and what it removed.
func (v policyVerdict) record(data map[string]any) {
	if v.hash == "" {
		return
	}
	data["policyHash"] = v.hash
	if len(v.denied) > 0 {
		data["policyDenied"] = v.denied
	}
}
