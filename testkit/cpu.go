package testkit

import (
	"syscall"
	"testing"
	"time"
)

// ReportCPU reports the process's CPU time (user and system, background
// goroutines included) per operation from now to the call of the function
// it returns, as the metric cpu-µs/op: steadier on a shared machine than
// the time per operation, which waits for the disk and the scheduler.
func ReportCPU(b *testing.B) func() {
	start := mustProcessCPU(b)
	return func() {
		b.ReportMetric(float64((mustProcessCPU(b)-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// ProcessCPU is the CPU time (user and system) this process has used so
// far.
func ProcessCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

func mustProcessCPU(b *testing.B) time.Duration {
	d, err := ProcessCPU()
	if err != nil {
		b.Fatal(err)
	}
	return d
}
