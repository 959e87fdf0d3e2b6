package registrytoken

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// maxFormBytes bounds a POST body: a form of a few scopes and a token.
const maxFormBytes = 64 << 10

// tokenRequest is a parsed token request, GET or POST.
type tokenRequest struct {
	service  string
	scopes   []Scope
	offline  bool
	clientID string
	// POST only: the OAuth2 grant and its credentials.
	grantType    string
	refreshToken string
	password     string
	// The Authorization header, read (not verified) by the authenticator;
	// credErr is why it cannot be used, refused only when a grant needs it.
	cred    auth.Credential
	credErr error
}

// rejection is a request the adapter refuses before the policy runs.
type rejection struct {
	status int
	cmd    RejectRegistryToken
}

func reject(status int, reason, format string, a ...any) *rejection {
	return &rejection{status: status, cmd: RejectRegistryToken{Reason: reason, Message: fmt.Sprintf(format, a...)}}
}

// parseRequest reads the query (GET) or the form (POST). GET follows the
// token protocol (service, scope repeated, offline_token, client_id); POST
// the OAuth2 form (grant_type password or refresh_token, access_type,
// scope space-separated).
func (h *Handler) parseRequest(w http.ResponseWriter, r *http.Request) (tokenRequest, *rejection) {
	var (
		req  tokenRequest
		form url.Values
	)
	req.cred, req.credErr = h.authn.Parse(r.Header.Values("Authorization"))
	if errors.Is(req.credErr, handlers.ErrInvalid) {
		// More than one: which of two a proxy or a library reads differs.
		return req, reject(http.StatusBadRequest, ReasonInvalidRequest, "%v", auth.ErrRepeatedHeader)
	}
	if r.Method == http.MethodPost {
		if r.URL.RawQuery != "" {
			// RFC 6749 §2.3.1: credentials and grant parameters travel in
			// the body only; a URL ends up in logs and histories.
			return req, reject(http.StatusBadRequest, ReasonInvalidRequest, "POST /token takes its parameters in the form body, never in the URL")
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/x-www-form-urlencoded" {
			return req, reject(http.StatusBadRequest, ReasonInvalidRequest, "POST /token takes an application/x-www-form-urlencoded body")
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			return req, reject(http.StatusBadRequest, ReasonInvalidRequest, "the form cannot be read")
		}
		form = r.PostForm
	} else {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return req, reject(http.StatusBadRequest, ReasonInvalidRequest, "the query cannot be read")
		}
		form = q
	}
	if !validUTF8(form) {
		return req, reject(http.StatusBadRequest, ReasonInvalidRequest, "the parameters are not valid UTF-8 once percent-decoded")
	}
	one := func(key string) (string, *rejection) {
		if v := form[key]; len(v) > 1 {
			return "", reject(http.StatusBadRequest, ReasonInvalidRequest, "%s is given more than once", key)
		}
		return form.Get(key), nil
	}
	var rej *rejection
	if req.service, rej = one("service"); rej != nil {
		return req, rej
	}
	if err := ValidService(req.service); err != nil {
		return req, reject(http.StatusBadRequest, ReasonInvalidRequest, "%v", err)
	}
	if req.clientID, rej = one("client_id"); rej != nil {
		return req, rej
	}
	if req.clientID != "" && ValidService(req.clientID) != nil {
		return req, reject(http.StatusBadRequest, ReasonInvalidRequest, "client_id: want 1 to 255 printable characters")
	}
	scopes, err := ParseScopes(form["scope"])
	if err != nil {
		rej := reject(http.StatusBadRequest, ReasonInvalidScope, "%v", err)
		rej.cmd.Service, rej.cmd.Input = req.service, form["scope"]
		return req, rej
	}
	req.scopes = scopes
	if r.Method == http.MethodPost {
		return parseGrant(req, form)
	}
	if v := form.Get("offline_token"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return req, reject(http.StatusBadRequest, ReasonInvalidRequest, "offline_token: want true or false")
		}
		req.offline = b
	}
	return req, nil
}

// validUTF8 reports whether every name and value of form is valid UTF-8:
// a lenient reader downstream would turn each bad byte into U+FFFD.
func validUTF8(form url.Values) bool {
	for k, vs := range form {
		if !utf8.ValidString(k) {
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}

func parseGrant(req tokenRequest, form url.Values) (tokenRequest, *rejection) {
	req.grantType = form.Get("grant_type")
	req.offline = form.Get("access_type") == "offline"
	switch req.grantType {
	case "refresh_token":
		req.refreshToken = form.Get("refresh_token")
	case "password":
		req.password = form.Get("password")
	default:
		rej := reject(http.StatusBadRequest, ReasonUnsupportedGrant, "grant_type: want password or refresh_token")
		rej.cmd.Service, rej.cmd.Scopes = req.service, req.scopes
		return req, rej
	}
	return req, nil
}

// identity is who the request authenticated as.
type identity struct {
	caller handlers.Caller
	// claims are the verified claims, for the authorization policy.
	claims    map[string]any
	plan      string
	license   string
	grant     string
	refreshID string
}

// authenticate finds the caller: a refresh token (POST refresh_token), a
// JWT from the OIDC issuer (POST password, HTTP Basic password, Bearer), or
// nobody when anonymous access is configured.
func (h *Handler) authenticate(ctx context.Context, req tokenRequest) (identity, *rejection) {
	id, rej := h.identify(ctx, req)
	if rej != nil {
		rej.cmd.Service, rej.cmd.Scopes, rej.cmd.ClientID = req.service, req.scopes, req.clientID
		if rej.cmd.Grant == "" {
			rej.cmd.Grant = id.grant
		}
	}
	return id, rej
}

func (h *Handler) identify(ctx context.Context, req tokenRequest) (identity, *rejection) {
	switch req.grantType {
	case "refresh_token":
		return h.refreshIdentity(ctx, req)
	case "password":
		id := identity{grant: GrantPassword}
		if req.password == "" {
			return id, reject(http.StatusUnauthorized, ReasonUnauthenticated, "%v", auth.ErrNoToken)
		}
		p, err := h.authn.VerifyToken(ctx, req.password)
		return h.identified(id, p, err)
	}
	return h.headerIdentity(ctx, req)
}

// headerIdentity authenticates the Authorization header: Bearer, Basic, or
// none when anonymous access is configured.
func (h *Handler) headerIdentity(ctx context.Context, req tokenRequest) (identity, *rejection) {
	var id identity
	if req.credErr != nil {
		return id, h.unauthenticated(req.credErr)
	}
	switch req.cred.Scheme {
	case auth.SchemeNone:
		if h.cfg.AnonymousPlan == "" {
			return id, reject(http.StatusUnauthorized, ReasonUnauthenticated, "authentication required")
		}
		id.grant = GrantAnonymous
		return id, nil
	case auth.SchemeBasic:
		id.grant = GrantBasic
	default:
		id.grant = GrantBearer
	}
	p, err := h.authn.Verify(ctx, req.cred)
	return h.identified(id, p, err)
}

// unauthenticated is the refusal of a credential the authenticator
// refused: 503 when the identity provider cannot be reached, else 401
// with the reason (never the token or a claim).
func (h *Handler) unauthenticated(err error) *rejection {
	if errors.Is(err, handlers.ErrUnavailable) {
		return reject(http.StatusServiceUnavailable, ReasonUnavailable, "the identity provider cannot be reached")
	}
	return reject(http.StatusUnauthorized, ReasonUnauthenticated, "%v", err)
}

// identified reads the plan and licence claims of p, once verified.
func (h *Handler) identified(id identity, p auth.Principal, err error) (identity, *rejection) {
	if err != nil {
		return id, h.unauthenticated(err)
	}
	id.caller = p.Caller()
	id.caller.Token = "" // a command carries no credential it does not need
	id.claims = p.Claims
	var ok bool
	if id.plan, ok = claimText(p.Claims, h.cfg.PlanClaim); !ok {
		rej := reject(http.StatusForbidden, ReasonInvalidClaims, "claim %s is not a string", h.cfg.PlanClaim)
		rej.cmd.Caller = id.caller
		return id, rej
	}
	if id.license, ok = claimText(p.Claims, h.cfg.LicenseClaim); !ok {
		rej := reject(http.StatusForbidden, ReasonInvalidClaims, "claim %s is not a string", h.cfg.LicenseClaim)
		rej.cmd.Caller = id.caller
		return id, rej
	}
	if missing := missingScope(p.Claims, h.cfg.RequiredScopes); missing != "" {
		rej := reject(http.StatusForbidden, ReasonMissingScope, "the token lacks the scope %s", missing)
		rej.cmd.Caller = id.caller
		return id, rej
	}
	return id, nil
}

// missingScope is the first of required not granted by claims: the OAuth 2
// scope claim (space-separated, RFC 8693 §4.2) or scp (a string or a list,
// as Azure AD and Okta write it). It allocates nothing: it runs on every
// token request.
func missingScope(claims map[string]any, required []string) string {
	for _, r := range required {
		if !hasScope(claims["scope"], r) && !hasScope(claims["scp"], r) {
			return r
		}
	}
	return ""
}

// hasScope reports whether a scope claim's value (a space-separated string
// or a list of strings) holds scope.
func hasScope(v any, scope string) bool {
	switch v := v.(type) {
	case string:
		for s := range strings.FieldsSeq(v) {
			if s == scope {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && s == scope {
				return true
			}
		}
	}
	return false
}

func (h *Handler) refreshIdentity(ctx context.Context, req tokenRequest) (identity, *rejection) {
	id := identity{grant: GrantRefresh}
	if h.deps.Refresh == nil {
		return id, reject(http.StatusBadRequest, ReasonUnsupportedGrant, "refresh tokens are disabled")
	}
	g, err := h.deps.Refresh.Lookup(ctx, req.refreshToken, h.cfg.Now())
	switch {
	case errors.Is(err, handlers.ErrUnavailable):
		return id, reject(http.StatusServiceUnavailable, ReasonUnavailable, "the refresh token store is unavailable")
	case err != nil:
		return id, reject(http.StatusUnauthorized, ReasonInvalidRefreshToken, "the refresh token is unknown, expired or revoked")
	case g.Service != req.service:
		rej := reject(http.StatusUnauthorized, ReasonInvalidRefreshToken, "the refresh token was issued for another service")
		rej.cmd.Caller = handlers.Caller{Subject: g.Subject, Tenant: g.Tenant}
		return id, rej
	}
	id.caller = handlers.Caller{Subject: g.Subject, Tenant: g.Tenant, Roles: g.Roles}
	id.plan, id.license, id.refreshID = g.Plan, g.License, g.ID
	return id, nil
}

// claimText reads a plan or licence claim: absent is "", a string is
// itself, a number its decimal form. Anything else (a list, an object) is
// not ok: a licence the policy cannot read must not pass as no licence.
func claimText(claims map[string]any, name string) (string, bool) {
	switch v := claims[name].(type) {
	case nil:
		return "", true
	case string:
		return v, len(v) <= maxNameBytes
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case interface{ String() string }: // json.Number
		return v.String(), true
	default:
		return "", false
	}
}
