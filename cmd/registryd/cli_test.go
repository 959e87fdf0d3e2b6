package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test run registryd's real main in a child process (the
// test binary itself, REGISTRYD_TEST_MAIN=1), to see its output and exit
// code.
func TestMain(m *testing.M) {
	if os.Getenv("REGISTRYD_TEST_MAIN") == "1" {
		os.Args = append([]string{"registryd"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// registryd runs main with args in a child process.
func registryd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "REGISTRYD_TEST_MAIN=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run registryd %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// --help lists every flag with its variable, and every variable registryd
// reads, exit 0. The lists come from the flag set and from the variables
// a parse actually looks up, so a new setting cannot be left out.
func TestHelpListsEverySetting(t *testing.T) {
	t.Parallel()
	fs, read := settings()
	for _, arg := range []string{"--help", "-h"} {
		out, errOut, code := registryd(t, arg)
		if code != 0 || errOut != "" {
			t.Fatalf("registryd %s: exit %d, stderr %q; want 0 and none", arg, code, errOut)
		}
		n := 0
		fs.VisitAll(func(f *flag.Flag) {
			n++
			if !strings.Contains(out, "\n  --"+f.Name+" ") && !strings.Contains(out, "\n  --"+f.Name+"\n") {
				t.Errorf("%s does not list --%s", arg, f.Name)
			}
			if v := flagVariable(f.Name); !commandFlags[f.Name] && !strings.Contains(out, "("+v+")") {
				t.Errorf("%s does not name %s beside --%s", arg, v, f.Name)
			}
		})
		if n < 50 {
			t.Fatalf("the flag set has %d flags: settings() is broken", n)
		}
		for key := range read {
			if !strings.Contains(out, key) {
				t.Errorf("%s does not list %s", arg, key)
			}
		}
	}
	for key := range read {
		if !isFlagVariable(fs, key) && variablesWithoutFlag[key] == "" {
			t.Errorf("%s is read but has no flag and no description in variablesWithoutFlag", key)
		}
	}
	for key := range variablesWithoutFlag {
		if !read[key] {
			t.Errorf("variablesWithoutFlag describes %s, which registryd no longer reads", key)
		}
	}
}

// Every flag defaults to the variable --help names beside it: set alone,
// the variable becomes the flag's value.
func TestEveryFlagReadsItsVariable(t *testing.T) {
	t.Parallel()
	fs, _ := settings()
	fs.VisitAll(func(f *flag.Flag) {
		if commandFlags[f.Name] {
			return
		}
		var value string
		switch def := f.Value.(flag.Getter).Get().(type) {
		case bool:
			value = "true"
			if def {
				value = "false"
			}
		case time.Duration:
			value = "17s"
		case int, int64:
			value = "17"
		case string:
			value = "x17"
		default:
			t.Fatalf("--%s: a %T flag: teach this test its values", f.Name, def)
		}
		key := flagVariable(f.Name)
		_, _, got, _ := parseFlags(nil, env(map[string]string{key: value}))
		if d := got.Lookup(f.Name).DefValue; d != value {
			t.Errorf("%s=%s: --%s defaults to %q, want %q", key, value, f.Name, d, value)
		}
	})
}

func TestUnknownFlagExitsTwo(t *testing.T) {
	t.Parallel()
	out, errOut, code := registryd(t, "--no-such-flag")
	if code != 2 || out != "" || !strings.Contains(errOut, "flag provided but not defined: -no-such-flag") || !strings.Contains(errOut, "--help") {
		t.Errorf("unknown flag: exit %d, stdout %q, stderr %q; want 2 and the flag named", code, out, errOut)
	}
}

// --version prints one line and starts nothing, whatever the environment
// (an unset REGISTRY_OIDC_ISSUER would stop a start).
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	out, errOut, code := registryd(t, "--version")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || errOut != "" || len(lines) != 1 || !strings.HasPrefix(lines[0], "registryd ") || !strings.Contains(lines[0], "(commit ") {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "go1.") }) {
		t.Errorf("--version %q does not name the Go version", out)
	}
}

// The README's configuration documents every variable registryd reads.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, read := settings()
	for key := range read {
		if !strings.Contains(string(readme), "`"+key+"`") {
			t.Errorf("README.md does not document `%s`", key)
		}
	}
}
