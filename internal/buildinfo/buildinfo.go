// Package buildinfo says which build of registryd is running: its module
// version, VCS commit and Go version, for --version and the
// registry_build_info metric.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// Set with -ldflags "-X github.com/hypo-registry/registry/internal/buildinfo.version=…
// -X ….commit=…" where the build has no VCS information of its own: the
// Dockerfile does, since its build context leaves .git out. Either, when
// set, wins over what debug.ReadBuildInfo says.
var (
	version string
	commit  string
)

// Info describes one build.
type Info struct {
	Version   string // module version ("v0.0.0-2026…-abc123+dirty", "(devel)") or the -X version
	Commit    string // VCS revision, "unknown" when the build recorded none
	Modified  bool   // the work tree had uncommitted changes
	GoVersion string
}

// Read is the running binary's build.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return from(bi, version, commit)
}

// from reads bi (nil when the binary has no build information) and lets
// the linker-set values override it.
func from(bi *debug.BuildInfo, ldVersion, ldCommit string) Info {
	info := Info{Version: "(devel)", Commit: "unknown", GoVersion: runtime.Version()}
	if bi != nil {
		if bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if ldVersion != "" {
		info.Version = ldVersion
	}
	if ldCommit != "" {
		info.Commit, info.Modified = ldCommit, false
	}
	return info
}

// ShortCommit is the commit's first 12 characters, "+dirty" appended when
// the work tree was modified.
func (i Info) ShortCommit() string {
	c := i.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if i.Modified {
		c += "+dirty"
	}
	return c
}

// String is the --version line: "registryd v0.1.0 (commit abc123def456, go1.26.0)".
func (i Info) String() string {
	return fmt.Sprintf("registryd %s (commit %s, %s)", i.Version, i.ShortCommit(), i.GoVersion)
}

// Collector is the registry_build_info gauge: always 1, the build in its
// labels, so a dashboard can show which version each instance runs.
func (i Info) Collector() prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "registry_build_info",
		Help:        "The running build: always 1, labelled with its version, commit and Go version.",
		ConstLabels: prometheus.Labels{"version": i.Version, "commit": i.ShortCommit(), "goversion": i.GoVersion},
	})
	g.Set(1)
	return g
}
