package policy

// Policies name time zones (time.clock([input.time.ns, "Europe/Berlin"]))
// and the distroless image has no zoneinfo: the database is compiled in.
import _ "time/tzdata"
