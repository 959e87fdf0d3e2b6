package auditlog

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// A held batch saves syncs, and a sync's cost is CPU (about 35 µs of
// kernel time on this project's 2-core machines) and a disk flush: worth
// saving when the CPU is what requests wait for, a pure loss when it idles
// and the callers wait for the hold itself. The writer holds batches only
// while cpuGauge says the CPU is short. With 8 clients of the embedded
// REST GET (the process at about half of its cores) batches were held
// 650–890 µs for 6 reads each, and a read took 1.8 ms at the median
// against 0.3 for the bare ceiling; not holding there halved it, while
// with 32 clients, the tokens and the reads from Vault (the CPU short
// in the process or on the machine), holding is what keeps them near
// their ceilings.
const (
	// cpuWindow is how long CPU use is measured before the gauge is
	// updated: long enough for /proc/stat's 10 ms ticks.
	cpuWindow = 100 * time.Millisecond
	// shortProcess: the process used at least this share of its cores
	// (over 20 ms windows, 8 clients of the REST GET kept it at
	// 0.44–0.73 of two, 32 clients at 0.73–0.90).
	shortProcess = 0.7
	// shortMachine: the machine's CPUs were busy at least this share of
	// the time (another process, Vault on the same host, may be using
	// what this one does not).
	shortMachine = 0.9
)

// cpuSample is the process's CPU time and the machine's busy and total
// CPU time (in /proc/stat's ticks; both 0 where it cannot be read).
type cpuSample struct {
	process     time.Duration
	busy, total int64
}

// cpuGauge says whether the CPU was short over the last window. Only the
// writer uses it.
type cpuGauge struct {
	cores  float64 // the process's cores (Options.Cores)
	sample func() cpuSample
	last   cpuSample
	since  time.Time
	short  bool
}

// newCPUGauge starts the first window at now. Until it is measured the
// CPU counts as short: the writer holds as it always could.
func newCPUGauge(cores float64, sample func() cpuSample, now time.Time) *cpuGauge {
	if cores <= 0 {
		cores = float64(runtime.GOMAXPROCS(0))
	}
	return &cpuGauge{cores: cores, sample: sample, last: sample(), since: now, short: true}
}

// isShort reports whether the CPU was short in the last whole window
// before now, measuring a new window when one has passed.
func (g *cpuGauge) isShort(now time.Time) bool {
	el := now.Sub(g.since)
	if el < cpuWindow {
		return g.short
	}
	s := g.sample()
	process := float64(s.process-g.last.process) / float64(el) / g.cores
	machine := 0.0
	if d := s.total - g.last.total; d > 0 {
		machine = float64(s.busy-g.last.busy) / float64(d)
	}
	g.short = process >= shortProcess || machine >= shortMachine
	g.last, g.since = s, now
	return g.short
}

// systemCPU samples this process (getrusage) and the machine (the first
// line of /proc/stat, read through f when it is open).
func systemCPU(f *os.File) func() cpuSample {
	var buf [512]byte
	return func() cpuSample {
		var s cpuSample
		var ru unix.Rusage
		if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err == nil {
			s.process = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
		if f != nil {
			// The first line is all it needs; a shorter file ends in EOF.
			if n, _ := f.ReadAt(buf[:], 0); n > 0 {
				s.busy, s.total = parseStatCPU(buf[:n])
			}
		}
		return s
	}
}

// parseStatCPU reads the busy and total ticks of /proc/stat's "cpu" line:
// user nice system idle iowait irq softirq steal (guest time is counted
// in user already); busy is all but idle and iowait. Anything else is 0, 0.
func parseStatCPU(b []byte) (busy, total int64) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	f := bytes.Fields(b)
	if len(f) < 9 || string(f[0]) != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:9] {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n < 0 {
			return 0, 0
		}
		total += n
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return busy, total
}
