package app

import "time"

// auditEnforceEvery is how often audit retention runs:
// AuditEnforceInterval, or auditEnforceInterval when unset.
func (c Config) auditEnforceEvery() time.Duration {
	if c.AuditEnforceInterval > 0 {
		return c.AuditEnforceInterval
	}
	return auditEnforceInterval
}
