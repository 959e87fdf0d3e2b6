package browser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// chromium is the browser the scenarios drive: Debian's package, never one
// downloaded by Playwright.
const chromium = "/usr/bin/chromium"

// result is run.mjs's result.json.
type result struct {
	Scenario    string                     `json:"scenario"`
	OK          bool                       `json:"ok"`
	Error       string                     `json:"error"`
	Browser     string                     `json:"browser"`
	DurationMS  int                        `json:"durationMs"`
	Facts       map[string]json.RawMessage `json:"facts"`
	Responses   []response                 `json:"responses"`
	Console     []consoleMessage           `json:"console"`
	PageErrors  []string                   `json:"pageErrors"`
	Screenshots []string                   `json:"screenshots"`
	// Dir is where result.json and the screenshots are.
	Dir string `json:"-"`
}

type response struct {
	URL          string            `json:"url"`
	Method       string            `json:"method"`
	ResourceType string            `json:"resourceType"`
	Status       int               `json:"status"`
	Headers      map[string]string `json:"headers"`
}

type consoleMessage struct {
	Type string `json:"type"`
	Text string `json:"text"`
	URL  string `json:"url"`
}

// fact decodes the scenario's fact key into v, failing the test when it
// is missing.
func (r *result) fact(t *testing.T, key string, v any) {
	t.Helper()
	raw, ok := r.Facts[key]
	if !ok {
		t.Fatalf("scenario %s recorded no fact %q (facts in %s)", r.Scenario, key, r.Dir)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("fact %q: %v in %s", key, err, raw)
	}
}

var (
	setupOnce sync.Once
	setupErr  string
)

// setup installs what the scenarios need when missing (chromium and node
// from Debian, playwright-core with npm ci) with the same script make
// tools runs, once per test binary, and fails the test, never skips it,
// when that is not possible.
func setup(t *testing.T) {
	t.Helper()
	setupOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "../../scripts/install-tools.sh")
		if out, err := cmd.CombinedOutput(); err != nil {
			setupErr = "scripts/install-tools.sh (chromium, node, npm ci of e2e/browser) failed: " + err.Error() + "\n" + string(out)
			return
		}
		if _, err := os.Stat(chromium); err != nil {
			setupErr = "no Chromium after scripts/install-tools.sh: " + err.Error() + " (apt-get install chromium)"
			return
		}
		if _, err := exec.LookPath("node"); err != nil {
			setupErr = "no node after scripts/install-tools.sh: " + err.Error() + " (apt-get install nodejs)"
		}
	})
	if setupErr != "" {
		t.Fatal(setupErr)
	}
}

// run runs scenario in Chromium with env added to the environment and
// returns its result, failing the test with the scenario's output when it
// did not finish.
func run(t *testing.T, scenario string, env map[string]string) *result {
	t.Helper()
	setup(t)
	dir := t.TempDir()
	if keep := os.Getenv("BROWSER_TEST_OUT"); keep != "" {
		dir = filepath.Join(keep, scenario)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "run.mjs", scenario)
	cmd.Env = append(os.Environ(), "BROWSER_OUT="+dir, "CHROMIUM="+chromium)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	runErr := cmd.Run()
	t.Logf("scenario %s: %s in Chromium (results in %s)", scenario, time.Since(start).Round(time.Millisecond), dir)
	raw, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatalf("scenario %s wrote no result (%v): %v\n%s", scenario, runErr, err, out.String())
	}
	r := &result{Dir: dir}
	if err := json.Unmarshal(raw, r); err != nil {
		t.Fatalf("scenario %s: result.json: %v\n%s", scenario, err, raw)
	}
	if runErr != nil || !r.OK {
		t.Fatalf("scenario %s failed (%v): %s\nconsole: %v\npage errors: %v\noutput:\n%s", scenario, runErr, r.Error, r.Console, r.PageErrors, out.String())
	}
	for _, shot := range r.Screenshots {
		b, err := os.ReadFile(filepath.Join(dir, shot))
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("screenshot %s is not a PNG (%v)", shot, err)
		}
	}
	return r
}

// consoleHas reports whether a console message contains every part.
func (r *result) consoleHas(parts ...string) bool {
	for _, m := range r.Console {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(m.Text, p)
		}
		if all {
			return true
		}
	}
	return false
}
