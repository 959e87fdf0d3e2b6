package testkit

import (
	"context"
	"fmt"
)

// LaunchVault starts a Vault dev server and its OIDC issuer outside any
// test, for commands such as cmd/registrybench: the same binary, issuer and
// configuration as SharedVault. stop stops both and removes the server's
// directory; the server also dies with the calling process.
func LaunchVault(logf func(string, ...any)) (v *Vault, stop func(), err error) {
	return startShared(logf)
}

// Provision is ProvisionTenant reporting an error instead of failing a
// test. Idempotent; replayed by Restart.
func (v *Vault) Provision(ctx context.Context, tenant string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.tenants[tenant] {
		return nil
	}
	if err := v.provisionLocked(ctx, tenant); err != nil {
		return fmt.Errorf("provision tenant %s: %w", tenant, err)
	}
	v.tenants[tenant] = true
	return nil
}

// Pid is the running dev server's process id, 0 if it is not running:
// cmd/registrybench reads its CPU time from /proc.
func (v *Vault) Pid() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.proc == nil || v.proc.cmd.Process == nil {
		return 0
	}
	return v.proc.cmd.Process.Pid
}
