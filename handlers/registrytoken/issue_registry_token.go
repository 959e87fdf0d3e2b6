package registrytoken

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// IssueRegistryToken asks for a registry token (seed 001, GET/POST /token).
// The transport has authenticated the caller and parsed the request; the
// handler applies the policy: service allow-list, revoked licences, plan,
// then the grant.
type IssueRegistryToken struct {
	handlers.Auth
	Service string  `json:"service"`
	Scopes  []Scope `json:"scopes"`
	// Plan and License are the caller's plan and licence claims as the
	// token carried them (or the refresh grant kept them); empty when
	// absent. The claims are credentials' content, not policy: the
	// handler decides what they mean.
	Plan    string `json:"plan,omitempty"`
	License string `json:"license,omitempty"`
	// Grant is how the caller authenticated (GrantBasic, …).
	Grant string `json:"grant"`
	// Offline asks for a refresh token as well (offline_token=true,
	// access_type=offline).
	Offline  bool   `json:"offline,omitempty"`
	ClientID string `json:"clientId,omitempty"`
	// RefreshID is the grant the caller refreshed with (GrantRefresh).
	RefreshID string `json:"refreshId,omitempty"`
	// Claims are the caller's verified claims, for the authorization
	// policy's input only: never encoded, never in an event. Empty on a
	// refresh grant and an anonymous one.
	Claims map[string]any `json:"-"`
}

// Issue handles IssueRegistryToken. Its event names the access asked for
// and granted, the plan and the token's jti; never the token.
func (t *Tokens) Issue(ctx context.Context, cmd IssueRegistryToken) (handlers.Result, error) {
	const op = "issue registry token"
	if err := cmd.validate(); err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w: %v", op, handlers.ErrInvalid, err)
	}
	c := cmd.Caller
	plan := cmd.Plan
	switch {
	case cmd.Grant == GrantAnonymous:
		plan = t.cfg.AnonymousPlan
	case plan == "":
		plan = t.cfg.DefaultPlan
	}
	var verdict policyVerdict
	deny := func(reason, msg string) (handlers.Result, error) {
		ev := rejected(RejectRegistryToken{Auth: cmd.Auth, Reason: reason, Message: msg, Service: cmd.Service,
			Grant: cmd.Grant, Scopes: cmd.Scopes, ClientID: cmd.ClientID}, plan, cmd.License)
		ev.Subject = subjectOf(c.Tenant, cmd.Service)
		verdict.record(ev.Data)
		return handlers.Result{Events: []events.Outcome{ev}, Reply: IssueReply{Denied: &Denial{Reason: reason, Message: msg}}}, nil
	}
	switch {
	case !t.serviceAllowed(cmd.Service):
		return deny(ReasonServiceNotAllowed, "the service is not served by this token endpoint")
	case cmd.License != "" && t.licenseRevoked(cmd.License):
		return deny(ReasonLicenseRevoked, "the licence is revoked")
	case plan == "":
		return deny(ReasonUnknownPlan, "the token names no plan and there is no default plan")
	case !t.catalogue.Has(plan):
		return deny(ReasonUnknownPlan, fmt.Sprintf("plan %q is not in the catalogue", plan))
	}
	access := t.catalogue.Grant(plan, cmd.Scopes)
	if t.cfg.Grants == GrantsStrict && !grantsAll(cmd.Scopes, access) {
		return deny(ReasonPlanDenied, "the plan does not allow every requested action")
	}
	// The operator's policy can only narrow what the plan granted: in
	// the strict mode an action it denies refuses the token.
	access, verdict = t.narrow(ctx, cmd, access)
	if t.cfg.Grants == GrantsStrict && len(verdict.denied) > 0 {
		return deny(ReasonPolicyDenied, verdict.reason)
	}

	// NumericDate has whole seconds: truncate, so expires_in and issued_at
	// are the token's exp and iat exactly.
	now := t.now().Truncate(time.Second)
	exp := now.Add(t.cfg.Lifetime)
	aud := t.cfg.Audience
	if aud == "" {
		aud = cmd.Service
	}
	jti := rand.Text()
	token, err := t.signer.Sign(Claims{
		Issuer: t.cfg.Issuer, Subject: c.Subject, Audience: aud,
		IssuedAt: now.Unix(), NotBefore: now.Unix(), ExpiresAt: exp.Unix(), ID: jti,
		Service: cmd.Service, Access: access, License: cmd.License,
	})
	if err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	resp := &TokenResponse{Token: token, AccessToken: token, ExpiresIn: int(t.cfg.Lifetime / time.Second), IssuedAt: now.UTC().Format(time.RFC3339)}
	data := map[string]any{
		"actor": c.Subject, "service": cmd.Service, "plan": plan, "grant": cmd.Grant,
		"requested": scopeStrings(cmd.Scopes), "access": accessData(access),
		"jti": jti, "iat": now.Unix(), "exp": exp.Unix(), "offline": false,
	}
	if cmd.ClientID != "" {
		data["clientId"] = cmd.ClientID
	}
	if cmd.RefreshID != "" {
		data["refreshId"] = cmd.RefreshID
	}
	verdict.record(data)
	// A refresh grant does not mint another refresh token: docker keeps
	// the identity token it has, so rotating would only strand it.
	if cmd.Offline && !t.cfg.Refresh.Disabled && cmd.Grant != GrantRefresh && cmd.Grant != GrantAnonymous {
		id := rand.Text()
		resp.RefreshToken, err = t.refresh.Issue(ctx, RefreshGrant{
			ID: id, Subject: c.Subject, Tenant: c.Tenant, Roles: c.Roles, Plan: cmd.Plan, License: cmd.License,
			Service: cmd.Service, ClientID: cmd.ClientID, IssuedAt: now.UTC(), ExpiresAt: now.Add(t.cfg.Refresh.Lifetime).UTC(),
		})
		if err != nil {
			return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
		}
		data["offline"], data["refreshId"] = true, id
	}
	return handlers.Result{
		Events: []events.Outcome{{Type: events.RegistryTokenIssued, Tenant: c.Tenant, Subject: subjectOf(c.Tenant, cmd.Service), Data: data}},
		Reply:  IssueReply{Token: resp, Plan: plan},
	}, nil
}

func (t *Tokens) licenseRevoked(l string) bool {
	for _, r := range t.cfg.RevokedLicenses {
		if r == l {
			return true
		}
	}
	return false
}

// validate checks what the transport should already have ensured: a
// command from elsewhere (a replay, a test) gets no weaker checks.
func (cmd IssueRegistryToken) validate() error {
	var errs []error
	if err := ValidService(cmd.Service); err != nil {
		errs = append(errs, err)
	}
	if len(cmd.Scopes) > MaxScopes {
		errs = append(errs, fmt.Errorf("more than %d scopes", MaxScopes))
	}
	for i, s := range cmd.Scopes {
		if err := s.check(); err != nil {
			errs = append(errs, fmt.Errorf("scope %d: %w", i+1, err))
		}
	}
	switch cmd.Grant {
	case GrantAnonymous:
		if cmd.Caller.Subject != "" {
			errs = append(errs, errors.New("an anonymous grant has no subject"))
		}
	case GrantBasic, GrantBearer, GrantPassword, GrantRefresh:
		if cmd.Caller.Subject == "" {
			errs = append(errs, errors.New("no subject"))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown grant %q", cmd.Grant))
	}
	if (cmd.Grant == GrantRefresh) != (cmd.RefreshID != "") {
		errs = append(errs, errors.New("a refresh id goes with the refresh_token grant, and only with it"))
	}
	return errors.Join(errs...)
}

// ValidService accepts what registries configure as their service name: 1
// to 255 printable ASCII characters ("registry.example.com:5000", "Docker
// registry").
func ValidService(s string) error {
	if s == "" || len(s) > maxNameBytes {
		return fmt.Errorf("service: want 1 to %d characters", maxNameBytes)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return errors.New("service: only printable ASCII characters are allowed")
		}
	}
	return nil
}

// subjectOf is the CloudEvents subject of a token event: tenant, then the
// service the token is for.
func subjectOf(tenant, service string) string {
	s := "registrytoken"
	if service != "" {
		s += "/" + service
	}
	if tenant != "" {
		s = tenant + "/" + s
	}
	return s
}

// accessData is access as the event's data holds it: each Scope as the map
// of what json.Marshal writes of it. The audit's copy sorts every object's
// keys, so it writes the same bytes either way, but a map it copies
// directly, where a []Scope took a JSON round trip for every token issued
// (TestAccessDataAuditsAsTheScopes).
func accessData(access []Scope) []map[string]any {
	if access == nil {
		return nil
	}
	out := make([]map[string]any, len(access))
	for i, s := range access {
		m := map[string]any{"type": s.Type, "name": s.Name, "actions": s.Actions}
		if s.Class != "" {
			m["class"] = s.Class
		}
		out[i] = m
	}
	return out
}

func scopeStrings(scopes []Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = s.String()
	}
	return out
}

// grantsAll reports whether access (Catalogue.Grant's answer to requested)
// holds every requested action.
func grantsAll(requested, access []Scope) bool {
	for _, s := range requested {
		i := slices.IndexFunc(access, func(g Scope) bool { return g.Type == s.Type && g.Class == s.Class && g.Name == s.Name })
		if i < 0 {
			return false
		}
		for _, a := range s.Actions {
			if !slices.Contains(access[i].Actions, a) {
				return false
			}
		}
	}
	return true
}
