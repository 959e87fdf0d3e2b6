package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/http/respond"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// The token request every measurement makes: what go-containerregistry
// asks before a push.
const (
	tokenBenchService = "bench-registry"
	tokenBenchPlan    = "bench"
	tokenBenchRepo    = "bench/app"
)

var tokenBenchActions = []string{"pull", "push"}

// tokenResult is seed 001's token endpoint, RSA and ECDSA, each beside a
// bare handler verifying the caller's JWT and signing with the same key.
type tokenResult struct {
	Concurrency int            `json:"concurrency"`
	RS256       tokenAlgResult `json:"rs256"`
	ES256       tokenAlgResult `json:"es256"`
}

// tokenAlgResult is one signing algorithm's pair of figures.
type tokenAlgResult struct {
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"kid"`
	// TokenBytes is the length of one token the endpoint issued.
	TokenBytes int     `json:"tokenBytes"`
	HTTP       load    `json:"tokenEndpointGet"`
	Bare       load    `json:"bareNetHTTPVerifyAndSign"`
	Ratio      float64 `json:"tokenEndpointToBareThroughputRatio"`
	// CPU per request of the whole process (load generator included, the
	// same on both sides), over each measurement: less noisy than the
	// rates on a shared machine.
	HTTPCPUus float64 `json:"tokenEndpointCPUMicrosPerRequest"`
	BareCPUus float64 `json:"bareCPUMicrosPerRequest"`
}

// benchRegistryToken measures GET /token through registryd with an RSA
// key, then an ECDSA P-256 key, each beside bare signing.
func benchRegistryToken(ctx context.Context, dir string, logger *slog.Logger, conc int, dur time.Duration) (*tokenResult, error) {
	res := &tokenResult{Concurrency: conc}
	var err error
	if res.RS256, err = benchTokenAlg(ctx, filepath.Join(dir, "rs256"), logger, registrytoken.AlgRS256, conc, dur); err != nil {
		return nil, fmt.Errorf("RS256: %w", err)
	}
	if res.ES256, err = benchTokenAlg(ctx, filepath.Join(dir, "es256"), logger, registrytoken.AlgES256, conc, dur); err != nil {
		return nil, fmt.Errorf("ES256: %w", err)
	}
	return res, nil
}

// benchTokenAlg starts a registryd whose token service signs with a key of
// alg written to dir, measures GET /token (a bearer OIDC JWT naming the
// plan) at conc clients, stops it, then measures the same requests to a
// bare handler that verifies the JWT and signs the same claims with the
// same key.
func benchTokenAlg(ctx context.Context, dir string, logger *slog.Logger, alg string, conc int, dur time.Duration) (tokenAlgResult, error) {
	res := tokenAlgResult{Algorithm: alg}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	keyPEM, err := registrytoken.GenerateKeyPEM(alg)
	if err != nil {
		return res, err
	}
	keyPath := filepath.Join(dir, "signing.key")
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return res, err
	}
	key, err := registrytoken.LoadKey(keyPath, "")
	if err != nil {
		return res, err
	}
	if res.KeyID, err = registrytoken.Thumbprint(key.Public()); err != nil {
		return res, err
	}

	reg, err := startRegistry(ctx, filepath.Join(dir, "registry"), logger, func(c *app.Config) {
		c.RegistryToken = registrytoken.Config{
			Enabled:         true,
			AllowedServices: []string{tokenBenchService},
			Plans: []registrytoken.Plan{{Name: tokenBenchPlan, Repositories: []registrytoken.Rule{
				{Pattern: "bench/*", Actions: tokenBenchActions},
			}}},
			Signing: registrytoken.SigningConfig{KeyPath: keyPath, Algorithm: alg},
		}
	})
	if err != nil {
		return res, err
	}
	defer reg.stop()
	jwtLogin, err := reg.issuer.Mint(oidcdev.Claims{Subject: "bench", Groups: []string{benchTenant}, TTL: time.Hour,
		Extra: map[string]any{registrytoken.DefaultPlanClaim: tokenBenchPlan}})
	if err != nil {
		return res, err
	}
	q := url.Values{"service": {tokenBenchService}, "scope": {"repository:" + tokenBenchRepo + ":pull,push"}}
	tokenURL := reg.svc.BaseURL() + "/token?" + q.Encode()
	// A bearer JWT, as the contract measures it (Basic with the JWT as
	// the password is the same path after the header is read).
	build := bearerGet(tokenURL, jwtLogin)
	// One token first: it must verify with the key and carry the grant,
	// or the figures would measure refusals.
	if res.TokenBytes, err = checkIssuedToken(build, key.Public(), res.KeyID); err != nil {
		return res, err
	}
	verifier := newJWTVerifier(reg.issuer, "registry-api")
	bareURL, stopBare, err := startBareToken(verifier, key, res.KeyID, alg)
	if err != nil {
		return res, err
	}
	defer stopBare()
	bareBuild := bearerGet(bareURL+"token?"+q.Encode(), jwtLogin)
	if _, err := checkIssuedToken(bareBuild, key.Public(), res.KeyID); err != nil {
		return res, fmt.Errorf("bare: %w", err)
	}
	sides := [2]side{
		{run: httpSide(build, conc), profile: tokenProfilePath, name: "endpoint-" + alg},
		{run: httpSide(bareBuild, conc), profile: tokenProfilePath, name: "bare-" + alg},
	}
	if err := warm(ctx, sides[:]...); err != nil {
		return res, err
	}
	loads, cpu, err := alternate(ctx, dur, sides)
	if err != nil {
		return res, fmt.Errorf("GET /token beside bare verify+sign %s: %w", alg, err)
	}
	res.HTTP, res.Bare = loads[0], loads[1]
	res.HTTPCPUus, res.BareCPUus = cpu[0], cpu[1]
	summary("registry token GET /token "+alg, res.HTTP)
	fmt.Fprintf(os.Stderr, "registry token GET /token %s: %.0f µs CPU per request (load generator included)\n", alg, res.HTTPCPUus)
	summary("bare net/http verify+sign "+alg, res.Bare)
	fmt.Fprintf(os.Stderr, "bare net/http verify+sign %s: %.0f µs CPU per request (load generator included)\n", alg, res.BareCPUus)
	res.Ratio = res.HTTP.RPS / res.Bare.RPS
	return res, nil
}

// tokenProfilePath, when set (-token-cpuprofile), is where each token
// measurement writes a CPU profile: path.endpoint-ES256, path.bare-ES256, …
var tokenProfilePath string

// vhostProfilePath, when set (-vhost-cpuprofile), is where the heartbeat
// measurement and its ceiling write CPU profiles.
var vhostProfilePath string

// vaultProfilePath, when set (-vault-cpuprofile), is where each Vault
// measurement writes a CPU profile of this process.
var vaultProfilePath string

// startNamedProfile starts a CPU profile written to path.name, if path is
// set, and returns what stops it.
func startNamedProfile(path, name string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	return startCPUTrace(path + "." + name)
}

// startCPUTrace writes a CPU profile to path and an execution trace to
// path.trace until the function it returns is called.
func startCPUTrace(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	tf, err := os.Create(path + ".trace")
	if err != nil {
		pprof.StopCPUProfile()
		f.Close()
		return nil, err
	}
	if err := trace.Start(tf); err != nil {
		pprof.StopCPUProfile()
		f.Close()
		tf.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); trace.Stop(); f.Close(); tf.Close() }, nil
}

// cpuPerRequest is cpu over l's requests in microseconds.
func cpuPerRequest(cpu time.Duration, l load) float64 {
	if l.Requests == 0 {
		return 0
	}
	return float64(cpu.Microseconds()) / float64(l.Requests)
}

// processCPU is the CPU time this process has used so far, 0 if it
// cannot be read.
func processCPU() time.Duration {
	d, _ := testkit.ProcessCPU()
	return d
}

// startBareToken is GET /token's ceiling: a bare net/http handler that
// verifies the caller's JWT (v), grants the one requested scope as asked,
// signs the same claims registryd does (iss, sub, aud, iat, nbf, exp, a
// fresh jti, access) with the same key and kid, and answers the same JSON.
// No plan, no licence, no bus, no event.
func startBareToken(v *jwtVerifier, key crypto.Signer, kid, alg string) (string, func(), error) {
	method := jwt.SigningMethod(jwt.SigningMethodRS256)
	if alg == registrytoken.AlgES256 {
		method = jwt.SigningMethodES256
	}
	return serveBare(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, err := v.verify(r)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		sub, _ := claims.GetSubject()
		q := r.URL.Query()
		parts := strings.Split(q.Get("scope"), ":")
		if len(parts) != 3 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		now := time.Now().Truncate(time.Second)
		tok := jwt.NewWithClaims(method, registrytoken.Claims{
			Issuer: registrytoken.DefaultIssuer, Subject: sub, Audience: q.Get("service"),
			IssuedAt: now.Unix(), NotBefore: now.Unix(), ExpiresAt: now.Add(registrytoken.DefaultLifetime).Unix(),
			ID: rand.Text(), Service: q.Get("service"), Access: []registrytoken.Scope{{Type: parts[0], Name: parts[1], Actions: strings.Split(parts[2], ",")}},
		})
		tok.Header["kid"] = kid
		signed, err := tok.SignedString(key)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Security-Policy", respond.ContentSecurityPolicy)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(registrytoken.TokenResponse{Token: signed, AccessToken: signed,
			ExpiresIn: int(registrytoken.DefaultLifetime.Seconds()), IssuedAt: now.Format(time.RFC3339)})
	}))
}

// checkIssuedToken fetches one token and checks its signature (pub, kid)
// and its access claim; it returns the token's length.
func checkIssuedToken(build func() (*http.Request, error), pub crypto.PublicKey, kid string) (int, error) {
	req, err := build()
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /token: status %d: %s", resp.StatusCode, body)
	}
	var tr registrytoken.TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return 0, fmt.Errorf("GET /token: %w", err)
	}
	var claims struct {
		jwt.RegisteredClaims
		Access []registrytoken.Scope `json:"access"`
	}
	tok, err := jwt.ParseWithClaims(tr.Token, &claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{registrytoken.AlgRS256, registrytoken.AlgES256}),
		jwt.WithIssuer(registrytoken.DefaultIssuer), jwt.WithAudience(tokenBenchService))
	if err != nil {
		return 0, fmt.Errorf("issued token: %w", err)
	}
	if tok.Header["kid"] != kid {
		return 0, fmt.Errorf("issued token: kid %v, want %s", tok.Header["kid"], kid)
	}
	if len(claims.Access) != 1 || claims.Access[0].Name != tokenBenchRepo || !slices.Equal(claims.Access[0].Actions, tokenBenchActions) {
		return 0, fmt.Errorf("issued token: access %+v, want %s %v", claims.Access, tokenBenchRepo, tokenBenchActions)
	}
	return len(tr.Token), nil
}

// tokenNotes explain the registryToken figures.
var tokenNotes = []string{
	"registryToken.{rs256,es256}.tokenEndpointGet = GET /token?service=…&scope=repository:bench/app:pull,push through registryd with an RS256 OIDC JWT as the bearer token, at the run's concurrency: the JWT verified (JWKS cached, a verified token remembered until its exp, at most 30 s), plan and licence checked, the IssueRegistryToken query run directly (no command bus), the token signed with the service's key (crypto/rsa, crypto/ecdsa), its RegistryTokenIssued record appended to the audit log and fdatasync'd (group commit) before the JSON answer",
	"registryToken.{rs256,es256}.bareNetHTTPVerifyAndSign = the same requests to a bare net/http handler, measured in alternation with the endpoint (A B B A, half the duration each time) while registryd idles, that verifies the same JWT (signature, iss, aud, exp, with the issuer's public key in hand), grants the requested scope as asked, signs the same claims (iss, sub, aud, iat, nbf, exp, a fresh jti, access) with the kid header and the same key (RSA 2048 / ECDSA P-256, read from the same PEM file) and answers the same JSON: no plan, no licence, no bus, no event",
	"registryToken.*.tokenEndpointToBareThroughputRatio = endpoint tokens/s ÷ bare tokens/s (ratios.tokenRS256, ratios.tokenES256). The bare side verifies one RS256 signature per request, registryd one per token per 30 s; with RS256 signing the RSA-2048 signature dominates both, with ES256 the durable audit record (its share of an fdatasync, and the wait for it) sets the ratio",
	"registryToken.*.{tokenEndpointCPUMicrosPerRequest,bareCPUMicrosPerRequest} = the benchmark process's CPU time (user+system, the load generator included, the same on both sides) over each side's halves ÷ its requests (-token-cpuprofile profiles the first half of each side): steadier than the rates on a shared machine",
}
