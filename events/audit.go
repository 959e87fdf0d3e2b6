package events

// Audit log reads over REST (/registry-api/admin/audit): an admin reading
// the audit log is itself audited. The data counts what was returned and
// names the caller; never a record, a filter or a hash.
const (
	// AuditRecordsRead: records of the audit log were read (count: how
	// many the page returned).
	AuditRecordsRead = "io.hypo.registry.audit.records.read"
	// AuditChainVerified: the live audit log's hash chain was verified
	// (status OK or ERROR; count: the records checked).
	AuditChainVerified = "io.hypo.registry.audit.chain.verified"
)
