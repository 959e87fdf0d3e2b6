package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// discoveryPath is where OIDC Discovery 1.0 puts the provider metadata.
const discoveryPath = "/.well-known/openid-configuration"

// discoverJWKS reads issuer's discovery document and returns its jwks_uri.
// The document's issuer must equal ours (OIDC Discovery §4.3): otherwise a
// misconfigured URL could hand us another provider's keys.
func discoverJWKS(ctx context.Context, issuer string) (string, error) {
	doc, err := discover(ctx, issuer)
	if err != nil {
		return "", err
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("discover %s: %w", issuer, errors.New("no jwks_uri"))
	}
	if err := checkHTTPURL(doc.JWKSURI); err != nil {
		return "", fmt.Errorf("discover %s: jwks_uri: %w", issuer, err)
	}
	return doc.JWKSURI, nil
}

// DiscoverTokenEndpoint reads issuer's discovery document and returns its
// token_endpoint.
func DiscoverTokenEndpoint(ctx context.Context, issuer string) (string, error) {
	doc, err := discover(ctx, issuer)
	if err != nil {
		return "", err
	}
	if doc.TokenEndpoint == "" {
		return "", fmt.Errorf("discover %s: %w", issuer, errors.New("no token_endpoint"))
	}
	if err := checkHTTPURL(doc.TokenEndpoint); err != nil {
		return "", fmt.Errorf("discover %s: token_endpoint: %w", issuer, err)
	}
	return doc.TokenEndpoint, nil
}

// DiscoverCodeFlow reads issuer's discovery document and returns the
// endpoints of the authorization-code grant (the console's sign-in).
func DiscoverCodeFlow(ctx context.Context, issuer string) (authorization, token string, err error) {
	doc, err := discover(ctx, issuer)
	if err != nil {
		return "", "", err
	}
	for _, e := range [][2]string{{"authorization_endpoint", doc.AuthorizationEndpoint}, {"token_endpoint", doc.TokenEndpoint}} {
		name, u := e[0], e[1]
		if u == "" {
			return "", "", fmt.Errorf("discover %s: no %s", issuer, name)
		}
		if err := checkHTTPURL(u); err != nil {
			return "", "", fmt.Errorf("discover %s: %s: %w", issuer, name, err)
		}
	}
	return doc.AuthorizationEndpoint, doc.TokenEndpoint, nil
}

type discoveryDoc struct {
	Issuer                string `json:"issuer"`
	JWKSURI               string `json:"jwks_uri"`
	TokenEndpoint         string `json:"token_endpoint"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
}

// discover fetches and checks issuer's discovery document.
func discover(ctx context.Context, issuer string) (discoveryDoc, error) {
	docURL := strings.TrimSuffix(issuer, "/") + discoveryPath
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return discoveryDoc{}, fmt.Errorf("discover %s: %w", docURL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return discoveryDoc{}, fmt.Errorf("discover %s: %w", docURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return discoveryDoc{}, fmt.Errorf("discover %s: status %s", docURL, resp.Status)
	}
	var doc discoveryDoc
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return discoveryDoc{}, fmt.Errorf("discover %s: decode: %w", docURL, err)
	}
	if strings.TrimSuffix(doc.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return discoveryDoc{}, fmt.Errorf("discover %s: document names issuer %q, want %q", docURL, doc.Issuer, issuer)
	}
	return doc, nil
}
