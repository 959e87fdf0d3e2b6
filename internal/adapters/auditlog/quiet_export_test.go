package auditlog

import "time"

// WithQuietGap returns o with the quiet gap fixed at d, whatever the
// measured rate (Options.quiet).
func WithQuietGap(o Options, d time.Duration) Options {
	o.quiet = d
	return o
}
