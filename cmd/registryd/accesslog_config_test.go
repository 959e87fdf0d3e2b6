package main

import (
	"strings"
	"testing"
)

// The access log is on unless REGISTRY_ACCESS_LOG or --access-log says
// false; anything but a boolean is refused by name.
func TestParseConfigAccessLog(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		off  bool
	}{
		{nil, map[string]string{}, false},
		{nil, map[string]string{"REGISTRY_ACCESS_LOG": "false"}, true},
		{nil, map[string]string{"REGISTRY_ACCESS_LOG": "true"}, false},
		{[]string{"--access-log=false"}, map[string]string{}, true},
		{[]string{"--access-log=true"}, map[string]string{"REGISTRY_ACCESS_LOG": "false"}, false},
	} {
		tc.env["REGISTRY_DEV"] = "true"
		cfg, _, err := parseConfig(tc.args, env(tc.env))
		if err != nil || cfg.NoAccessLog != tc.off {
			t.Errorf("%v %v: NoAccessLog %v, %v; want %v", tc.args, tc.env, cfg.NoAccessLog, err, tc.off)
		}
	}
	_, _, err := parseConfig(nil, env(map[string]string{"REGISTRY_DEV": "true", "REGISTRY_ACCESS_LOG": "sometimes"}))
	if err == nil || !strings.Contains(err.Error(), "REGISTRY_ACCESS_LOG") {
		t.Errorf("REGISTRY_ACCESS_LOG=sometimes: %v, want an error naming it", err)
	}
}
