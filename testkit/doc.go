// Package testkit holds what tests of several packages share: real services
// started on loopback (a Kafka-protocol broker, Vault, the OIDC issuer, a
// whole registry) and a client for them. The contract suites every adapter
// of a port must pass are in testkit/contract. Its files are not _test
// files, so any package's tests can import them.
package testkit

import (
	"testing"

	"github.com/hypo-registry/registry/testkit/contract"
)

// RandomTenant returns a fresh tenant name, so tests sharing one backend
// never see each other's secrets.
func RandomTenant(t testing.TB) string {
	t.Helper()
	return contract.RandomTenant(t)
}
