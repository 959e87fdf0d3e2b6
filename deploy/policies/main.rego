# The registry's authorization policy (REGISTRY_AUTHZ_POLICY=deploy/policies).
#
# The built-in options (REGISTRY_AUTHZ_*) decide first; this policy can only
# deny further. Each rule of the other files adds a reason to deny; the
# decision (the default query, data.registry.authz.allow) is true when no
# rule applies, and otherwise an object carrying the reasons, which REST
# answers in its 403, Kafka in its ERROR reply and /token in its refusal.
package registry.authz

default allow := true

allow := {"allow": false, "reason": concat("; ", sort(deny))} if count(deny) > 0
