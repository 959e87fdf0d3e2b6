// Package browser holds the tests that drive registryd from a real
// browser: headless Chromium (Debian's chromium package, /usr/bin/chromium)
// through playwright-core (npm, pinned by package-lock.json, installed into
// node_modules by scripts/install-browser-deps.sh; it downloads no
// browser).
//
// A Go test starts a registry with testkit, then runs one scenario,
// scenarios/<name>.mjs, with run.mjs in a Node process, passing URLs and
// tokens in its environment (lib/ holds what several scenarios share: the
// console's sign-in); the scenario records facts, console messages,
// every response with its headers and screenshots into a directory as
// result.json, and the Go test judges them. Set BROWSER_TEST_OUT to a
// directory to keep each scenario's result and screenshots there
// (BROWSER_TEST_OUT/<scenario>/); otherwise they go to the test's
// temporary directory.
//
// The package has no code of its own.
package browser
