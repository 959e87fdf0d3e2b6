package auditlog

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// The gauge calls the CPU short when the process used seven tenths of
// its cores or the machine nine tenths of its CPUs over a whole window,
// counts it short until a first window is measured, and keeps its answer
// within a window.
func TestCPUGaugeSaysWhenTheCPUIsShort(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		name        string
		process     time.Duration // used over the window, on 2 cores
		busy, total int64         // the machine's ticks over it
		short       bool
	}{
		{"process at 80 %", 160 * time.Millisecond, 50, 200, true},
		{"process at 30 %, machine idle", 60 * time.Millisecond, 60, 200, false},
		{"process at 30 %, machine at 95 %", 60 * time.Millisecond, 190, 200, true},
		{"process at 65 %, machine at 85 %", 130 * time.Millisecond, 170, 200, false},
		{"process at 70 %", 140 * time.Millisecond, 20, 200, true},
		{"no /proc/stat, process at 30 %", 60 * time.Millisecond, 0, 0, false},
	} {
		samples := []cpuSample{{process: time.Second, busy: 1000, total: 4000}}
		samples = append(samples, cpuSample{process: time.Second + tc.process, busy: 1000 + tc.busy, total: 4000 + tc.total})
		if tc.total == 0 {
			samples[0].busy, samples[0].total, samples[1].busy, samples[1].total = 0, 0, 0, 0
		}
		calls := 0
		g := newCPUGauge(2, func() cpuSample { calls++; return samples[min(calls-1, 1)] }, t0)
		if !g.isShort(t0.Add(50 * time.Millisecond)) {
			t.Errorf("%s: not short before a whole window", tc.name)
		}
		if calls != 1 {
			t.Errorf("%s: sampled %d times within the first window, want once (at the start)", tc.name, calls)
		}
		if got := g.isShort(t0.Add(cpuWindow)); got != tc.short {
			t.Errorf("%s: short %v, want %v", tc.name, got, tc.short)
		}
		if got := g.isShort(t0.Add(cpuWindow + 10*time.Millisecond)); got != tc.short || calls != 2 {
			t.Errorf("%s: within the next window short %v after %d samples, want %v after 2", tc.name, got, calls, tc.short)
		}
	}
}

func TestParseStatCPU(t *testing.T) {
	for _, tc := range []struct {
		in          string
		busy, total int64
	}{
		{"cpu  100 5 50 800 20 3 2 1 7 0\ncpu0 50 2 25 400 10 1 1 0 3 0\n", 161, 981},
		{"cpu  100 5 50 800 20 3 2 1", 161, 981},
		{"cpu0 100 5 50 800 20 3 2 1\n", 0, 0},
		{"cpu  100 5 50\n", 0, 0},
		{"cpu  100 x 50 800 20 3 2 1\n", 0, 0},
		{"", 0, 0},
	} {
		if busy, total := parseStatCPU([]byte(tc.in)); busy != tc.busy || total != tc.total {
			t.Errorf("%q: %d/%d, want %d/%d", tc.in, busy, total, tc.busy, tc.total)
		}
	}
}

// The sampler reads this process's CPU time and, on Linux, the machine's
// ticks from /proc/stat.
func TestSystemCPUReadsTheProcessAndTheMachine(t *testing.T) {
	stat, err := os.Open("/proc/stat")
	if err != nil {
		if runtime.GOOS == "linux" {
			t.Fatal(err)
		}
		stat = nil
	}
	defer stat.Close()
	s := systemCPU(stat)()
	if s.process <= 0 {
		t.Errorf("process CPU %s, want the time this test process has used", s.process)
	}
	if runtime.GOOS == "linux" && (s.total <= 0 || s.busy <= 0 || s.busy > s.total) {
		t.Errorf("machine ticks %d busy of %d", s.busy, s.total)
	}
}
