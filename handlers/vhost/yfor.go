package vhost

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/hypo-registry/registry/handlers"
)

// yforDefaults are the lines of a minimal yfor configuration (seed 004), in
// order; a query parameter of the same key replaces one.
var yforDefaults = [][2]string{{"check-type", "none"}, {"mode", "all-active"}, {"ttl", "30000"}}

// YforConfig returns the plain-text yfor configuration of a host (seed 004,
// ext/yahoo/yfor_config): its name, one host line per live server, the
// defaults, then every other query parameter as "key value", keys sorted.
// "name" replaces the name; "host" adds hosts. Keys are letters, digits and
// "._-"; values may not hold control characters, so no parameter can add a
// line of its own.
func (q *Queries) YforConfig(ctx context.Context, name string, params url.Values) (string, error) {
	const op = "yfor config"
	for k, vs := range params {
		if err := checkYforParam(k, vs); err != nil {
			return "", fmt.Errorf("%s: %w", op, err)
		}
	}
	servers, err := q.LiveServers(ctx, name)
	if err != nil {
		return "", err
	}
	h, _ := NormalizeName(name)
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s %s\n", k, v) }
	names := []string{h}
	if vs, ok := params["name"]; ok {
		names = vs
	}
	for _, n := range names {
		line("name", n)
	}
	for _, s := range servers.Server {
		line("host", s.Host)
	}
	for _, v := range params["host"] {
		line("host", v)
	}
	done := map[string]bool{"name": true, "host": true}
	for _, d := range yforDefaults {
		done[d[0]] = true
		vs, ok := params[d[0]]
		if !ok {
			vs = []string{d[1]}
		}
		for _, v := range vs {
			line(d[0], v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(params)) {
		if done[k] {
			continue
		}
		for _, v := range params[k] {
			line(k, v)
		}
	}
	return b.String(), nil
}

func checkYforParam(k string, vs []string) error {
	if k == "" || len(k) > 64 {
		return fmt.Errorf("%w: parameter names must be 1 to 64 characters", handlers.ErrInvalid)
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return fmt.Errorf("%w: parameter names may hold only letters, digits and '.', '_', '-'", handlers.ErrInvalid)
		}
	}
	for _, v := range vs {
		if len(v) > 1024 {
			return fmt.Errorf("%w: parameter %s is longer than 1024 bytes", handlers.ErrInvalid, k)
		}
		for _, r := range v {
			if unicode.IsControl(r) {
				return fmt.Errorf("%w: parameter %s holds a control character", handlers.ErrInvalid, k)
			}
		}
	}
	return nil
}
