package app

import (
	"runtime"
	"strconv"
	"sync/atomic"
)

// cores is GOMAXPROCS as it was before SyncProcs added one (0: SyncProcs
// added none).
var cores atomic.Int64

// Cores is how many cores the process may use: GOMAXPROCS, less the P
// SyncProcs added for the writers' syncs. The audit log measures its CPU
// use against it.
func Cores() int {
	if n := cores.Load(); n > 0 {
		return int(n)
	}
	return runtime.GOMAXPROCS(0)
}

// SyncProcs gives the Go scheduler one P more than its default, unless the
// GOMAXPROCS environment variable sets the number (the runtime's own rule:
// a positive integer), and returns the number in effect and whether it
// added one. registryd and its benchmark call it first thing.
//
// Why one more: the writers of the audit log and of the event log spend
// much of a busy instance's time in fdatasync, and a goroutine in a system
// call keeps its P until the runtime's sysmon takes it back. Under a
// steady stream of short system calls sysmon finds little to take back and
// sleeps longer and longer between looks (up to 10 ms), so it takes back
// few. In an execution trace of 32 clients' REST GETs on two cores, 86 %
// of the audit log's fdatasyncs (285 µs on average) kept their P to the
// end, and for 43 % of the time one of the two Ps sat in a sync while
// about 20 goroutines waited to run. The extra P runs them meanwhile; a P
// held by a sync uses no CPU while the disk flushes. With a container CPU
// limit it may let the process use slightly more than the limit in a
// burst; setting GOMAXPROCS keeps the number the operator chose.
//
// Once set, the runtime no longer follows changes of the container's CPU
// limit (it does not for an explicit GOMAXPROCS either).
func SyncProcs(lookupEnv func(string) (string, bool)) (procs int, added bool) {
	if v, ok := lookupEnv("GOMAXPROCS"); ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			cores.Store(0)
			return runtime.GOMAXPROCS(0), false
		}
	}
	n := runtime.GOMAXPROCS(0)
	cores.Store(int64(n))
	runtime.GOMAXPROCS(n + 1)
	return n + 1, true
}
