package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
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

// vaultPair measures a registry path on Vault against its bare Vault
// request, as alternate does for the other ratios: each side warmed up
// for a second, then in alternateOrder for half of dur at a time. It
// records in res each side's CPU per request, this process's (registry
// and load generator) and Vault's, and the audit writer's work during the
// registry side. A side's CPU profile (-vault-cpuprofile) covers its first
// half.
type vaultPair struct {
	pid   int // Vault's
	audit *auditlog.Log
	res   *vaultResult
	conc  int
	dur   time.Duration
}

// measure measures the registry side (index 0) and the bare side.
func (p vaultPair) measure(ctx context.Context, names [2]string, builds [2]func() (*http.Request, error)) ([2]load, error) {
	var (
		parts        [2][]load
		self, vault  [2]time.Duration
		out          [2]load
		audit0, sums auditlog.Stats
	)
	for i := range builds {
		if _, err := measure(ctx, builds[i], p.conc, time.Second); err != nil {
			return out, fmt.Errorf("%s: warm-up: %w", names[i], err)
		}
	}
	for _, i := range alternateOrder {
		stop := func() {}
		if len(parts[i]) == 0 {
			var err error
			if stop, err = startNamedProfile(vaultProfilePath, names[i]); err != nil {
				return out, err
			}
		}
		if i == 0 {
			audit0 = p.audit.Stats()
		}
		self0, vault0 := processCPU(), pidCPU(p.pid)
		l, err := measure(ctx, builds[i], p.conc, p.dur/2)
		self[i] += processCPU() - self0
		vault[i] += pidCPU(p.pid) - vault0
		if i == 0 {
			a := p.audit.Stats()
			sums.Batches += a.Batches - audit0.Batches
			sums.Records += a.Records - audit0.Records
			sums.Syncing += a.Syncing - audit0.Syncing
			sums.Gathered += a.Gathered - audit0.Gathered
		}
		stop()
		if err != nil {
			return out, fmt.Errorf("%s: %w", names[i], err)
		}
		parts[i] = append(parts[i], l)
	}
	for i := range out {
		out[i] = combine(parts[i])
		p.res.CPU[names[i]] = vaultCPU{BenchUs: cpuPerRequest(self[i], out[i]), VaultUs: cpuPerRequest(vault[i], out[i])}
	}
	p.res.AuditWrites[names[0]] = auditWritesOf(auditlog.Stats{}, sums)
	return out, nil
}
