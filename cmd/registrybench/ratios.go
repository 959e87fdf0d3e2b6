package main

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
)

// The names of issue 13's (and 14's) benchmark contract: each ratio is a
// figure's throughput over its ceiling's, both measured in the same run.
const (
	ratioRESTGet         = "restGet"
	ratioVaultGet        = "vaultGet"
	ratioVaultList       = "vaultList"
	ratioTokenRS256      = "tokenRS256"
	ratioTokenES256      = "tokenES256"
	ratioHeartbeat       = "heartbeat"
	ratioKafkaCredential = "kafkaCredential"
	// ratioRESTGetFewClients is the REST GET pair again with fewClients
	// clients: no target, a figure to watch (see main.go).
	ratioRESTGetFewClients = "restGetAt8Clients"
	// ratioRESTGetWithPolicy is issue 18's: the REST GET with the
	// authorization policies loaded over the same GET without (policy.go).
	ratioRESTGetWithPolicy = "restGetWithPolicy"
)

// fewClients is ratioRESTGetFewClients's concurrency.
const fewClients = 8

// ratioDetail is one ratio's two sides: throughput and latency of the
// figure and of its ceiling.
type ratioDetail struct {
	Ratio        float64 `json:"ratio"`
	RPS          float64 `json:"perSecond"`
	P50ms        float64 `json:"p50ms"`
	P99ms        float64 `json:"p99ms"`
	CeilingRPS   float64 `json:"ceilingPerSecond"`
	CeilingP50ms float64 `json:"ceilingP50ms"`
	CeilingP99ms float64 `json:"ceilingP99ms"`
}

// setRatio records figure over ceiling under name.
func (r *result) setRatio(name string, figure, ceiling load) {
	if r.Ratios == nil {
		r.Ratios, r.RatioDetails = map[string]float64{}, map[string]ratioDetail{}
	}
	d := ratioDetail{RPS: figure.RPS, P50ms: figure.P50ms, P99ms: figure.P99ms,
		CeilingRPS: ceiling.RPS, CeilingP50ms: ceiling.P50ms, CeilingP99ms: ceiling.P99ms}
	if ceiling.RPS > 0 {
		d.Ratio = figure.RPS / ceiling.RPS
	}
	r.Ratios[name] = d.Ratio
	r.RatioDetails[name] = d
}

// diskAudit is what the data directory grew by over the audited GETs of
// the REST measurement.
type diskAudit struct {
	AuditedReads int `json:"auditedReads"`
	// AllocatedBytes is the growth of the blocks the files occupy (du):
	// bbolt extends its files sparsely, so this is what reached the disk.
	AllocatedBytes int64 `json:"allocatedBytesAdded"`
	// ApparentBytes is the growth of the files' sizes (ls), which bbolt
	// grows in steps ahead of use.
	ApparentBytes int64   `json:"apparentBytesAdded"`
	PerRead       float64 `json:"allocatedBytesPerAuditedRead"`
	// AllocatedBy splits AllocatedBytes by the data directory's entries
	// (audit, events.db, projections.db, ...): where a read's bytes go.
	AllocatedBy map[string]int64 `json:"allocatedBytesAddedBy"`
}

// dirUsageBy sums the allocated sizes of the files under dir, in total
// and by dir's entry they are under.
func dirUsageBy(dir string) (total int64, by map[string]int64, err error) {
	by = map[string]int64{}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed by retention while we walk
		}
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		n := fi.Size()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			n = st.Blocks * 512
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		top, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		by[top] += n
		total += n
		return nil
	})
	return total, by, err
}

// dirUsage sums the allocated and apparent sizes of the files under dir.
func dirUsage(dir string) (allocated, apparent int64, err error) {
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		apparent += fi.Size()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			allocated += st.Blocks * 512
		} else {
			allocated += fi.Size()
		}
		return nil
	})
	return allocated, apparent, err
}
