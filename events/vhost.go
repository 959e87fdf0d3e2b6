package events

// Virtual-host event types (seed 004, the service-discovery registry). None
// of their data carries private material: a SelfSignedSSL keystore, its
// password and alias stay in the secret store. What the virtual-host
// projection needs in clear (owners, scheme, the public certificate, a
// server's host) sits under the keys of VirtualHostClearFields.
const (
	// VirtualHostCreated: a virtual host was added. Data: name, id (this
	// incarnation of the name), tenant (holding its private material),
	// version (of that material, secure hosts only), actor and virtualHost,
	// the host's public record.
	VirtualHostCreated = "io.hypo.registry.vhost.host.created"
	// VirtualHostDeleted: a virtual host, its servers and its private
	// material were removed.
	VirtualHostDeleted = "io.hypo.registry.vhost.host.deleted"
	// VirtualHostRead: a virtual host was read; private tells whether the
	// reply held the private view.
	VirtualHostRead = "io.hypo.registry.vhost.host.read"
	// VirtualHostsRecrypted: the private material of virtual hosts was
	// re-sealed under the newest at-rest key: names lists the hosts done,
	// failures the others with a message each.
	VirtualHostsRecrypted = "io.hypo.registry.vhost.hosts.recrypted"
	// VirtualHostServerHeartbeat: a server registered or heartbeat; its
	// record (host, port, hb) is under server.
	VirtualHostServerHeartbeat = "io.hypo.registry.vhost.server.heartbeat"
	// VirtualHostServerDeleted: a server was removed by its owner.
	VirtualHostServerDeleted = "io.hypo.registry.vhost.server.deleted"
	// VirtualHostServersCompacted: servers whose last heartbeat was before
	// "before" (Unix ms) were removed by the compaction job.
	VirtualHostServersCompacted = "io.hypo.registry.vhost.servers.compacted"
)

// VirtualHostClearFields are the data keys of the virtual-host events whose
// subtrees must stay readable for the virtual-host projection to be rebuilt
// from the log. Each holds public discovery data only, never a credential:
//
//   - virtualHost: a host's public record (scheme, port, timeout, owners, the
//     public SelfSignedSSL certificate), which any caller may read.
//   - server: a server's registration (host, port, last heartbeat), which any
//     caller may list.
//
// ClearFields must contain them (vhost.CheckClearFields refuses to start
// otherwise).
var VirtualHostClearFields = map[string]bool{"virtualHost": true, "server": true}
