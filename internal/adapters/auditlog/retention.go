package auditlog

import (
	"errors"
	"fmt"
	"os"
)

// ErrNotExported is returned by Enforce when segments due for removal are
// kept because they have not been exported yet: they hold retention back
// until `registryctl audit export` runs.
var ErrNotExported = errors.New("auditlog: segments due for removal are not exported")

// Enforce removes sealed segments, oldest first, that are exported and
// either sealed longer ago than Retention or needed to bring the log under
// MaxBytes. It never removes the open segment, nor an unexported one: it
// stops at the first of those and reports how many are held back with an
// error wrapping ErrNotExported.
func (l *Log) Enforce() (removed int, err error) {
	if l.opts.Retention == 0 && l.opts.MaxBytes == 0 {
		return 0, nil
	}
	l.enforceMu.Lock()
	defer l.enforceMu.Unlock()
	mk, _, err := readMarker(l.opts.Dir)
	if err != nil {
		return 0, fmt.Errorf("auditlog: enforce: %w", err)
	}
	now := l.opts.Now()
	l.mu.Lock()
	segs := append([]segInfo(nil), l.segs...)
	l.mu.Unlock()
	var total int64
	for _, s := range segs {
		total += s.size
	}
	held := 0
	for i := 0; i+1 < len(segs); i++ {
		s, next := segs[i], segs[i+1]
		sealed := next.firstTime // the segment's last record is no later
		due := (l.opts.Retention > 0 && now.Sub(sealed) > l.opts.Retention) ||
			(l.opts.MaxBytes > 0 && total > l.opts.MaxBytes)
		if !due {
			break
		}
		if held > 0 || next.first-1 > mk.Last {
			held++
			continue
		}
		if err := os.Remove(s.path); err != nil {
			return removed, fmt.Errorf("auditlog: enforce: %w", err)
		}
		total -= s.size
		removed++
		l.mu.Lock()
		l.segs = l.segs[1:]
		l.mu.Unlock()
	}
	if removed > 0 {
		if err := syncDir(l.opts.Dir); err != nil {
			return removed, fmt.Errorf("auditlog: enforce: %w", err)
		}
	}
	if held > 0 {
		return removed, fmt.Errorf("auditlog: enforce: %w: %d", ErrNotExported, held)
	}
	return removed, nil
}
