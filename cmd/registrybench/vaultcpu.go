package main

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// vaultCPU is the CPU time per request of one Vault measurement: this
// process's (the registry, or nothing on the bare side, plus the load
// generator) and the Vault server's, which shares the machine's cores.
type vaultCPU struct {
	BenchUs float64 `json:"benchProcessMicrosPerRequest"`
	VaultUs float64 `json:"vaultServerMicrosPerRequest"`
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times: 100 on Linux.
const clockTick = 10 * time.Millisecond

// pidCPU is the CPU time process pid has used so far (utime + stime from
// /proc/PID/stat, 10 ms resolution), 0 if it cannot be read.
func pidCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces: fields start after its ")".
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(fields[11], 10, 64)
	st, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * clockTick
}

// measureVault is warmAndMeasureHTTP with the CPU both processes spent on
// the measurement (warm-up excluded), and a CPU profile of this process
// under name when -vault-cpuprofile is set.
func measureVault(ctx context.Context, name string, vaultPid int, build func() (*http.Request, error), conc int, dur time.Duration) (load, vaultCPU, error) {
	if _, err := measure(ctx, build, conc, time.Second); err != nil {
		return load{}, vaultCPU{}, err
	}
	stop, err := startNamedProfile(vaultProfilePath, name)
	if err != nil {
		return load{}, vaultCPU{}, err
	}
	self0, vault0 := processCPU(), pidCPU(vaultPid)
	l, err := measure(ctx, build, conc, dur)
	self1, vault1 := processCPU(), pidCPU(vaultPid)
	stop()
	if err != nil {
		return load{}, vaultCPU{}, err
	}
	return l, vaultCPU{BenchUs: cpuPerRequest(self1-self0, l), VaultUs: cpuPerRequest(vault1-vault0, l)}, nil
}
