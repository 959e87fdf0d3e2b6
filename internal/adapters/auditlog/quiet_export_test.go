package auditlog

import "time"

// WithQuietGap returns o with the quiet gap fixed at d, whatever the
// measured rate (Options.quiet).
func WithQuietGap(o Options, d time.Duration) Options {
	o.quiet = d
	return o
}

// WithCPU returns o with a CPU gauge that reads a process using all of
// its two cores and a busy machine (short), or a tenth of each (not).
func WithCPU(o Options, short bool) Options {
	share := 0.1
	if short {
		share = 1
	}
	start := time.Now()
	o.Cores = 2
	o.cpu = func() cpuSample {
		el := time.Since(start)
		ticks := 2 * int64(el/(10*time.Millisecond))
		return cpuSample{process: time.Duration(2 * share * float64(el)), busy: int64(share * float64(ticks)), total: ticks}
	}
	return o
}
