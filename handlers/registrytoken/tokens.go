package registrytoken

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Rejection reasons: the reason of a RegistryTokenRejected event and the
// reason label of registry_token_rejected_total. A fixed set, so the label
// cannot grow with input.
const (
	ReasonInvalidRequest      = "invalid_request"
	ReasonInvalidScope        = "invalid_scope"
	ReasonUnsupportedGrant    = "unsupported_grant_type"
	ReasonUnauthenticated     = "unauthenticated"
	ReasonInvalidRefreshToken = "invalid_refresh_token"
	ReasonInvalidClaims       = "invalid_claims"
	ReasonServiceNotAllowed   = "service_not_allowed"
	ReasonLicenseRevoked      = "license_revoked"
	ReasonUnknownPlan         = "unknown_plan"
	ReasonMissingScope        = "missing_scope"
	ReasonPlanDenied          = "plan_denied"
	ReasonUnavailable         = "unavailable"
	ReasonInternal            = "internal"
)

// Reasons lists every rejection reason.
var Reasons = []string{
	ReasonInvalidRequest, ReasonInvalidScope, ReasonUnsupportedGrant, ReasonUnauthenticated,
	ReasonInvalidRefreshToken, ReasonInvalidClaims, ReasonServiceNotAllowed, ReasonLicenseRevoked,
	ReasonUnknownPlan, ReasonMissingScope, ReasonPlanDenied, ReasonPolicyDenied, ReasonUnavailable, ReasonInternal,
}

// Grants: how the caller authenticated.
const (
	GrantBasic     = "basic"         // HTTP Basic, the password a JWT
	GrantBearer    = "bearer"        // Authorization: Bearer JWT
	GrantPassword  = "password"      // POST grant_type=password, the password a JWT
	GrantRefresh   = "refresh_token" // POST grant_type=refresh_token
	GrantAnonymous = "anonymous"     // no credentials, AnonymousPlan
)

// Tokens holds the token service's policy and the ports its handlers use:
// one per service, built by NewTokens.
type Tokens struct {
	cfg       Config
	catalogue *Catalogue
	signer    TokenSigner
	refresh   RefreshStore
	adminRole string
	// policy narrows grants further (UsePolicy); nil: none.
	policy Policy
}

// NewTokens checks cfg (defaults applied) and the ports. refresh may be nil
// only when cfg.Refresh.Disabled. adminRole is the role that may revoke
// anybody's refresh tokens.
func NewTokens(cfg Config, signer TokenSigner, refresh RefreshStore, adminRole string) (*Tokens, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var errs []error
	if signer == nil {
		errs = append(errs, errors.New("registry tokens: nil signer"))
	}
	if refresh == nil && !cfg.Refresh.Disabled {
		errs = append(errs, errors.New("registry tokens: nil refresh store with refresh tokens enabled"))
	}
	if adminRole == "" {
		errs = append(errs, errors.New("registry tokens: empty admin role"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cat, err := NewCatalogue(cfg.Plans)
	if err != nil {
		return nil, fmt.Errorf("registry tokens: %w", err) // Validate already checked; kept for safety
	}
	return &Tokens{cfg: cfg, catalogue: cat, signer: signer, refresh: refresh, adminRole: adminRole}, nil
}

// Config is the configuration in use, defaults applied.
func (t *Tokens) Config() Config { return t.cfg }

// Plans lists the catalogue's plan names (for metric labels).
func (t *Tokens) Plans() []string { return t.catalogue.Names() }

func (t *Tokens) serviceAllowed(s string) bool {
	return len(t.cfg.AllowedServices) == 0 || slices.Contains(t.cfg.AllowedServices, s)
}

func (t *Tokens) now() time.Time { return t.cfg.Now() }

// TokenResponse is the token protocol's answer: token and access_token hold
// the same JWT (old clients read one, OAuth2 clients the other).
type TokenResponse struct {
	Token        string `json:"token"`
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	IssuedAt     string `json:"issued_at"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// IssueReply is the reply of IssueRegistryToken: a token, or a policy
// denial. A denial is an outcome, not a failed command: the transport
// answers it (403) with its reason.
type IssueReply struct {
	Token  *TokenResponse `json:"token,omitempty"`
	Plan   string         `json:"plan,omitempty"`
	Denied *Denial        `json:"denied,omitempty"`
}

// Denial says why a token was refused.
type Denial struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}
