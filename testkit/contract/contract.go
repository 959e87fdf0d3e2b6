// Package contract holds the suites every adapter of a port must pass, run
// from the adapters' own tests against the real thing (bbolt files, the
// Vault binary, the in-process Kafka broker). It imports the ports (handlers,
// the bus) and what they speak (events, secretpath), never an adapter or
// the composition root, so an adapter's test can import it without a cycle.
package contract

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
)

// RandomTenant returns a fresh tenant name, so tests sharing one backend
// never see each other's secrets.
func RandomTenant(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random tenant: %v", err)
	}
	return "ct-" + hex.EncodeToString(b)
}
