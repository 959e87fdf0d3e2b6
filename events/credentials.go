package events

// Credential request event types: reads made on behalf of the Package
// Manager's credential requests (seed 000, "Credential Request Flow") that no
// other event type covers. Their data names the service id and the version,
// never a stored value.
const (
	// ServiceOrderDataRead: a service's order metadata
	// (service-order-data/{tenant}/{serviceId}) was read.
	ServiceOrderDataRead = "io.hypo.registry.serviceorder.data.read"
	// ServiceOrderDataStored: a parsing request carried the service's
	// scheduler namespace, and it was stored as the service's order
	// metadata for the deployment requests that follow.
	ServiceOrderDataStored = "io.hypo.registry.serviceorder.data.stored"
)
