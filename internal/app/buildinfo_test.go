package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/buildinfo"
	"github.com/hypo-registry/registry/testkit"
)

// /metrics says which build runs: registry_build_info, 1, labelled with
// what registryd --version prints.
func TestMetricsNameTheBuild(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	r := testkit.Do(t, http.MethodGet, reg.URL+"/metrics", "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", r.Status)
	}
	info := buildinfo.Read()
	want := fmt.Sprintf(`registry_build_info{commit=%q,goversion=%q,version=%q} 1`, info.ShortCommit(), info.GoVersion, info.Version)
	if !strings.Contains(string(r.Body), "\n"+want+"\n") {
		t.Errorf("/metrics has no %s; its build lines:\n%s", want, grepLines(string(r.Body), "build_info"))
	}
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
