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
	docURL := strings.TrimSuffix(issuer, "/") + discoveryPath
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return "", fmt.Errorf("discover %s: %w", docURL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("discover %s: %w", docURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("discover %s: status %s", docURL, resp.Status)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", fmt.Errorf("discover %s: decode: %w", docURL, err)
	}
	if strings.TrimSuffix(doc.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return "", fmt.Errorf("discover %s: document names issuer %q, want %q", docURL, doc.Issuer, issuer)
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("discover %s: %w", docURL, errors.New("no jwks_uri"))
	}
	if err := checkHTTPURL(doc.JWKSURI); err != nil {
		return "", fmt.Errorf("discover %s: jwks_uri: %w", docURL, err)
	}
	return doc.JWKSURI, nil
}
