// Command vault is HashiCorp Vault built from its Go module, so tests can run
// a real Vault server on machines where no Vault package can be installed.
// It lives in its own module: Vault's dependency tree stays out of the
// product's go.mod. testkit builds it once and caches the binary.
package main

import (
	"os"

	"github.com/hashicorp/vault/command"
)

func main() {
	os.Exit(command.Run(os.Args[1:]))
}
