package main

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dockerInstruction is one Dockerfile instruction, continuations joined.
type dockerInstruction struct {
	op   string // upper case: FROM, COPY, …
	args string
}

func readDockerfile(t *testing.T) []dockerInstruction {
	t.Helper()
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var (
		out     []dockerInstruction
		pending string
	)
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && pending == "") {
			continue
		}
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			pending += cont + " "
			continue
		}
		full := strings.TrimSpace(pending + trimmed)
		pending = ""
		op, args, _ := strings.Cut(full, " ")
		out = append(out, dockerInstruction{strings.ToUpper(op), strings.TrimSpace(args)})
	}
	return out
}

// The image can start on a fresh volume of its own: the data directory
// exists in the image, owned by the user registryd runs as (65532,
// distroless's nonroot), before VOLUME declares it, so Docker gives a new
// volume that owner. No Docker engine runs here, so this reads the
// Dockerfile's text rather than building it: the directory must be made
// in the build stage (the runtime image has no shell) and copied with
// --chown.
func TestDockerfileDataDirIsOwnedByTheRuntimeUser(t *testing.T) {
	t.Parallel()
	ins := readDockerfile(t)
	lastFrom := -1
	for i, in := range ins {
		if in.op == "FROM" {
			lastFrom = i
		}
	}
	if lastFrom <= 0 {
		t.Fatal("Dockerfile: want a build stage and a runtime stage")
	}
	build, final := ins[:lastFrom], ins[lastFrom:]
	find := func(stage []dockerInstruction, op string) (int, dockerInstruction) {
		for i, in := range stage {
			if in.op == op {
				return i, in
			}
		}
		return -1, dockerInstruction{}
	}

	var dataDir string
	for _, in := range final {
		if v, ok := strings.CutPrefix(in.args, "REGISTRY_DATA_DIR="); in.op == "ENV" && ok {
			dataDir = v
		}
	}
	volumeAt, volume := find(final, "VOLUME")
	var volumes []string
	if err := json.Unmarshal([]byte(volume.args), &volumes); err != nil || dataDir == "" || !slices.Contains(volumes, dataDir) {
		t.Fatalf("VOLUME %s, ENV REGISTRY_DATA_DIR=%q: want the data directory as the volume", volume.args, dataDir)
	}
	if _, user := find(final, "USER"); user.args != "nonroot:nonroot" && user.args != "65532:65532" {
		t.Errorf("USER %q: want nonroot (65532)", user.args)
	}

	copyDir := regexp.MustCompile(`^--from=\S+ --chown=(?:65532|nonroot):(?:65532|nonroot) (\S+) ` + regexp.QuoteMeta(dataDir) + `/?$`)
	var source string
	for i, in := range final {
		if m := copyDir.FindStringSubmatch(in.args); in.op == "COPY" && m != nil {
			if i > volumeAt {
				t.Errorf("the data directory is copied after VOLUME: changes after VOLUME are discarded")
			}
			source = m[1]
		}
	}
	if source == "" {
		t.Fatalf("no COPY --from=build --chown=65532:65532 <dir> %s in the runtime stage", dataDir)
	}
	made := false
	for _, in := range build {
		if in.op == "RUN" && regexp.MustCompile(`(mkdir|install -d)\b.*\s`+regexp.QuoteMeta(source)+`(\s|$)`).MatchString(in.args) {
			made = true
		}
	}
	if !made {
		t.Errorf("the build stage does not make %s (mkdir or install -d)", source)
	}

	// The container healthcheck is registryd health, the distroless
	// image having no shell or curl.
	_, hc := find(final, "HEALTHCHECK")
	if !strings.Contains(hc.args, `CMD ["/usr/local/bin/registryd", "health"]`) {
		t.Errorf("HEALTHCHECK %q: want CMD [\"/usr/local/bin/registryd\", \"health\"]", hc.args)
	}
}
