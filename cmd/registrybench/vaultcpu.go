package main

import (
	"context"
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
// request in alternation (warm, then alternate), and records in res each
// side's CPU per request, this process's (registry and load generator)
// and Vault's, and the audit writer's work during the registry side. A
// side's CPU profile (-vault-cpuprofile) covers its first half.
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
		vault [2]time.Duration
		audit auditlog.Stats
		sides [2]side
	)
	for i := range sides {
		sides[i] = side{run: httpSide(builds[i], p.conc), profile: vaultProfilePath, name: names[i], around: func() func() {
			vault0, audit0 := pidCPU(p.pid), p.audit.Stats()
			return func() {
				vault[i] += pidCPU(p.pid) - vault0
				if i == 0 {
					a := p.audit.Stats()
					audit.Batches += a.Batches - audit0.Batches
					audit.Records += a.Records - audit0.Records
					audit.Syncing += a.Syncing - audit0.Syncing
					audit.Gathered += a.Gathered - audit0.Gathered
				}
			}
		}}
	}
	if err := warm(ctx, sides[:]...); err != nil {
		return [2]load{}, err
	}
	out, self, err := alternate(ctx, p.dur, sides)
	if err != nil {
		return out, err
	}
	for i := range out {
		p.res.CPU[names[i]] = vaultCPU{BenchUs: self[i], VaultUs: cpuPerRequest(vault[i], out[i])}
	}
	p.res.AuditWrites[names[0]] = auditWritesOf(auditlog.Stats{}, audit)
	return out, nil
}
