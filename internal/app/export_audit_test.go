package app

// HoldAuditAlways makes c's audit log hold its batches whatever the CPU,
// for tests of the hold.
func HoldAuditAlways(c *Config) { c.Audit.holdAlways = true }
