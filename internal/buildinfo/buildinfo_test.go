package buildinfo

import (
	"maps"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// vcsBuild is the build information `go build` records in a git checkout.
func vcsBuild(modified string) *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.26.0",
		Main:      debug.Module{Path: "github.com/hypo-registry/registry", Version: "v0.0.0-20261205052000-0123456789ab"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.modified", Value: modified},
		},
	}
}

func TestVersionNamesTheCommitOfAVCSBuild(t *testing.T) {
	got := from(vcsBuild("false"), "", "").String()
	want := "registryd v0.0.0-20261205052000-0123456789ab (commit 0123456789ab, go1.26.0)"
	if got != want {
		t.Errorf("version = %q, want %q", got, want)
	}
	if got := from(vcsBuild("true"), "", "").String(); !strings.Contains(got, "commit 0123456789ab+dirty") {
		t.Errorf("modified build: %q does not say dirty", got)
	}
}

func TestLinkerValuesWinOverBuildInfo(t *testing.T) {
	info := from(vcsBuild("true"), "v1.2.3", "fedcba987654")
	if info.Version != "v1.2.3" || info.ShortCommit() != "fedcba987654" {
		t.Errorf("info = %+v, want the -X version and commit", info)
	}
}

func TestBuildWithoutVCSInformation(t *testing.T) {
	info := from(&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "", "")
	if got, want := info.String(), "registryd (devel) (commit unknown, go1.26.0)"; got != want {
		t.Errorf("version = %q, want %q", got, want)
	}
	if got := from(nil, "", ""); got.Commit != "unknown" || got.GoVersion == "" {
		t.Errorf("no build info: %+v", got)
	}
}

func TestBuildInfoMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(from(vcsBuild("false"), "", "").Collector())
	families, err := reg.Gather()
	if err != nil || len(families) != 1 || len(families[0].GetMetric()) != 1 {
		t.Fatalf("gather: %v, %v", families, err)
	}
	m := families[0].GetMetric()[0]
	labels := map[string]string{}
	for _, l := range m.GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	want := map[string]string{"version": "v0.0.0-20261205052000-0123456789ab", "commit": "0123456789ab", "goversion": "go1.26.0"}
	if families[0].GetName() != "registry_build_info" || m.GetGauge().GetValue() != 1 || !maps.Equal(labels, want) {
		t.Errorf("metric %s = %v %v, want 1 %v", families[0].GetName(), m.GetGauge().GetValue(), labels, want)
	}
}
