// Package e2e holds end-to-end tests that drive registryd with real
// third-party servers and clients: the CNCF distribution registry
// (github.com/distribution/distribution/v3, in-process) with its token
// auth pointing at registryd's /token, pushed to and pulled from with
// github.com/google/go-containerregistry; and the registryd binary itself,
// killed with SIGKILL while Kafka records stream in.
//
// The package has no code of its own: those heavy dependencies enter only
// its test binary, never registryd.
package e2e
