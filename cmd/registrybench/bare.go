package main

import (
	"crypto/rsa"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/http/respond"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

// jwtVerifier is what a bare ceiling does for authentication: verify the
// caller's RS256 OIDC JWT (signature, iss, aud, exp) with the issuer's
// public key already in hand, as registryd does with its cached JWKS.
// Nothing else: no roles, no tenant, no policy.
type jwtVerifier struct {
	parser *jwt.Parser
	pub    *rsa.PublicKey
}

func newJWTVerifier(iss *oidcdev.Issuer, audience string) *jwtVerifier {
	priv, _ := iss.SigningKey()
	return &jwtVerifier{
		parser: jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(iss.IssuerURL()),
			jwt.WithAudience(audience), jwt.WithExpirationRequired()),
		pub: &priv.PublicKey,
	}
}

// verify checks the request's JWT, sent as Bearer or as the Basic password
// (the two ways registryd's endpoints accept it), and returns its claims.
func (v *jwtVerifier) verify(r *http.Request) (jwt.MapClaims, error) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		if _, pw, basic := r.BasicAuth(); basic {
			raw, ok = pw, true
		}
	}
	if !ok {
		return nil, fmt.Errorf("no bearer token")
	}
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return v.pub, nil }); err != nil {
		return nil, err
	}
	return claims, nil
}

// serveBare serves h on a fresh loopback port and returns its base URL
// (with a trailing slash) and a stop function.
func serveBare(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() { srv.Close() }, nil
}

// startBare serves body as the registry would (same headers) to a caller
// whose JWT verifies, and 401 to any other: the ceiling of a REST read.
func startBare(body []byte, v *jwtVerifier) (string, func(), error) {
	return serveBare(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := v.verify(r); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Security-Policy", respond.ContentSecurityPolicy)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(body)
	}))
}
