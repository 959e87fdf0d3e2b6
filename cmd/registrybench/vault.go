package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/identity/vault"
	vaultstore "github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// vaultResult compares a REST secret GET through registryd on Vault with a
// bare KV v2 read of the same secret straight from Vault.
type vaultResult struct {
	RESTGet    load         `json:"restImagePullGet"`
	Bare       load         `json:"bareVaultKVv2Read"`
	Ratio      float64      `json:"restToBareThroughputRatio"`
	PackageReg *pkgRegLoads `json:"packageRegistry"`
	TokenCache tokenStats   `json:"tokenExchangeCache"`
	// CPU is each measurement's CPU time per request, this process's and
	// Vault's: restGet, bare, packageRegistryGet, packageRegistryList,
	// packageRegistryGetBare, packageRegistryListBare.
	CPU map[string]vaultCPU `json:"cpu"`
	// AuditWrites is the audit writer's work during each registry
	// measurement (its warm-up included): restGet, packageRegistryGet,
	// packageRegistryList.
	AuditWrites map[string]auditWrites `json:"auditWrites"`
}

// tokenStats is the Vault store's token-exchange cache over the whole
// registry run: seeding, warm-up and measurement.
type tokenStats struct {
	Hits    uint64  `json:"hits"`
	Misses  uint64  `json:"misses"`
	HitRate float64 `json:"hitRate"`
}

// benchVault starts a Vault dev server with its issuer and a registry on
// it, and measures each registry path against its bare Vault request in
// alternation (vaultPair). The registry stays up, idle, while the bare
// side runs.
func benchVault(ctx context.Context, dir string, logger *slog.Logger, conc int, dur time.Duration) (*vaultResult, error) {
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "vault: "+format+"\n", args...) }
	v, stopVault, err := testkit.LaunchVault(logf)
	if err != nil {
		return nil, err
	}
	defer stopVault()
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = v.Provision(pctx, benchTenant)
	cancel()
	if err != nil {
		return nil, err
	}
	reg, err := runService(ctx, app.Config{
		HTTPAddr: "127.0.0.1:0", DataDir: dir,
		Vault:      vaultstore.Config{Addr: v.Addr, Mount: v.Mount, AuthMount: v.JWTMount, Role: v.Role},
		VaultAdmin: vault.Config{AdminToken: v.RootToken},
		OIDC:       auth.Config{Issuer: v.OIDC.URL, Audience: testkit.Audience},
	}, v.OIDC.Issuer, logger)
	if err != nil {
		return nil, fmt.Errorf("registry on vault: %w", err)
	}
	defer reg.stop()
	url, jwt, _, err := reg.seedSecret()
	if err != nil {
		return nil, err
	}
	res := vaultResult{CPU: map[string]vaultCPU{}, AuditWrites: map[string]auditWrites{}}
	vaultToken, err := vaultLogin(ctx, v.Addr, v.JWTMount, v.Role, jwt)
	if err != nil {
		return nil, err
	}
	p, err := secretpath.New(secretpath.ImagePull, benchTenant, benchSecret)
	if err != nil {
		return nil, err
	}
	bareURL := v.Addr + "/v1/" + v.Mount + "/data/" + p.String()
	pair := vaultPair{pid: v.Pid(), audit: reg.svc.AuditLog(), res: &res, conc: conc, dur: dur}
	loads, err := pair.measure(ctx, [2]string{"restGet", "bare"}, [2]func() (*http.Request, error){
		bearerGet(url, jwt), headerGet(bareURL, "X-Vault-Token", vaultToken),
	})
	if err != nil {
		return nil, fmt.Errorf("REST GET on vault against a bare read: %w", err)
	}
	res.RESTGet, res.Bare = loads[0], loads[1]
	res.Ratio = res.RESTGet.RPS / res.Bare.RPS

	getURL, listURL, _, _, err := seedPackageRegistry(reg.svc.BaseURL(), jwt)
	if err != nil {
		return nil, err
	}
	key, err := secretpath.RegistryKey(benchRepoURL)
	if err != nil {
		return nil, err
	}
	folder := v.Addr + "/v1/" + v.Mount + "/metadata/" + string(secretpath.PackageRegistry) + "/" + benchTenant
	getBare := headerGet(v.Addr+"/v1/"+v.Mount+"/data/"+string(secretpath.PackageRegistry)+"/"+benchTenant+"/"+key, "X-Vault-Token", vaultToken)
	var pr pkgRegLoads
	if loads, err = pair.measure(ctx, [2]string{"packageRegistryGet", "packageRegistryGetBare"}, [2]func() (*http.Request, error){
		bearerGet(getURL, jwt), getBare,
	}); err != nil {
		return nil, fmt.Errorf("package-registry GET on vault against a bare read: %w", err)
	}
	pr.Get, pr.GetBare = loads[0], loads[1]
	if loads, err = pair.measure(ctx, [2]string{"packageRegistryList", "packageRegistryListBare"}, [2]func() (*http.Request, error){
		bearerGet(listURL, jwt), headerGet(folder+"?list=true", "X-Vault-Token", vaultToken),
	}); err != nil {
		return nil, fmt.Errorf("package-registry list on vault against a bare LIST: %w", err)
	}
	pr.List, pr.ListBare = loads[0], loads[1]
	pr.GetRatio, pr.ListRatio = pr.Get.RPS/pr.GetBare.RPS, pr.List.RPS/pr.ListBare.RPS
	res.PackageReg = &pr
	hits, misses := reg.svc.VaultStore().Stats()
	res.TokenCache = tokenStats{Hits: hits, Misses: misses}
	if hits+misses > 0 {
		res.TokenCache.HitRate = float64(hits) / float64(hits+misses)
	}
	return &res, nil
}

// vaultLogin exchanges jwt for a Vault token at auth/{mount}/login, as the
// registry's Vault store does for each caller.
func vaultLogin(ctx context.Context, addr, mount, role, jwt string) (string, error) {
	body, err := json.Marshal(map[string]string{"role": role, "jwt": jwt})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, addr+"/v1/auth/"+mount+"/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("vault login: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Auth struct {
			ClientToken string `json:"client_token"`
		} `json:"auth"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Auth.ClientToken == "" {
		return "", fmt.Errorf("vault login: status %d, decode error %v", resp.StatusCode, err)
	}
	return out.Auth.ClientToken, nil
}
