// Package datadir names the files registryd keeps in its data directory, so
// registryd and registryctl agree on them.
package datadir

import "path/filepath"

// File names inside the data directory.
const (
	SecretsDB     = "secrets.db"      // embedded secret store (values sealed)
	EventsDB      = "events.db"       // embedded event log and command replies
	ProjectionsDB = "projections.db"  // projections: audit log, read models
	IdentityDB    = "identity.db"     // embedded identity groups and policies
	OutboxDB      = "outbox.db"       // with Kafka: events waiting for the topic, sealed replies
	SealKey       = "seal.key"        // at-rest key ring of the embedded store
	AuditKey      = "audit.key"       // HMAC key for secret fields in events and audit
	DevIssuer     = "dev-issuer.json" // the --dev issuer's signing key and settings
	AuditDir      = "audit"           // the audit log: hash-chained segments of command events and query records
	InstanceID    = "instance-id"     // this instance's id: names its projections' consumer group
)

// TerminalKey is the P-256 key signing terminal access tokens (PKCS#8 PEM).
const TerminalKey = "terminal-signing.key"

// Path joins dir and one of the names above.
func Path(dir, name string) string { return filepath.Join(dir, name) }
