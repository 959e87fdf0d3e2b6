# Kubeconfigs are read on working days between 07:00 and 19:00 only (over
# REST and the Kafka southbound). The zone is UTC here; put yours, e.g.
# "Europe/Berlin" (registryd carries the time zone database).
package registry.authz

business_zone := "UTC"

deny contains "kubeconfigs are read on working days from 07:00 to 19:00 UTC only" if {
	input.resource.scope == "kube-conf"
	input.action == "read"
	not business_hours
}

business_hours if {
	[hour, _, _] := time.clock([input.time.ns, business_zone])
	hour >= 7
	hour < 19
	not time.weekday([input.time.ns, business_zone]) in {"Saturday", "Sunday"}
}
