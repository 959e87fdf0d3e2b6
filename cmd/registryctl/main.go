// Command registryctl is the registry's operator CLI: audit log verification,
// replay and tail, and dev tokens for the built-in dev issuer.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "registryctl:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "registryctl",
		Short:         "Operate a registry instance: audit log and dev tokens",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("data-dir", envOr("REGISTRY_DATA_DIR", "./data"), "registryd data directory (env REGISTRY_DATA_DIR)")
	root.AddCommand(newAuditCmd(), newDevCmd())
	return root
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}
