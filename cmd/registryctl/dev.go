package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

// newDevCmd groups helpers for the built-in dev issuer of registryd --dev.
func newDevCmd() *cobra.Command {
	dev := &cobra.Command{
		Use:   "dev",
		Short: "Helpers for a registryd started with --dev",
	}
	dev.AddCommand(newDevTokenCmd(), newDevUsersCmd())
	return dev
}

// newDevUsersCmd prints the demo users of the dev issuer's login page and
// their passwords, as registryd --dev printed them at start.
func newDevUsersCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "users",
		Short: "Print the dev issuer's demo users and passwords (for its login page)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := cmd.Flags().GetString("data-dir")
			if err != nil {
				return fmt.Errorf("dev users: %w", err)
			}
			path := datadir.Path(dir, datadir.DevIssuer)
			st, err := oidcdev.LoadDevState(path)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("dev users: %s not found: start `registryd --dev` first, or pass --data-dir", path)
			}
			if err != nil {
				return fmt.Errorf("dev users: %w", err)
			}
			for _, name := range slices.Sorted(maps.Keys(st.Passwords)) {
				if _, err := fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", name, st.Passwords[name]); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// knownRoles are the role names registryd checks: the defaults of seed 002
// and the platform admin, or the names REGISTRY_ADMIN_ROLE,
// REGISTRY_AUTHZ_ROLE_DEVELOPER, REGISTRY_AUTHZ_ROLE_READ_ONLY and
// REGISTRY_PLATFORM_ADMIN_ROLE give them, read as registryd reads them. A
// role outside these grants nothing, so a token asking for one is a typo.
func knownRoles(lookup func(string) (string, bool)) []string {
	name := func(key, def string) string {
		if v, ok := lookup(key); ok && v != "" {
			return v
		}
		return def
	}
	return []string{
		name("REGISTRY_ADMIN_ROLE", authz.RoleAdmin),
		name("REGISTRY_AUTHZ_ROLE_DEVELOPER", authz.RoleDeveloper),
		name("REGISTRY_AUTHZ_ROLE_READ_ONLY", authz.RoleReadOnly),
		name("REGISTRY_PLATFORM_ADMIN_ROLE", authz.RolePlatformAdmin),
	}
}

// newDevTokenCmd mints a token offline with the dev issuer's key from the
// data directory, so scripts can do TOKEN=$(registryctl dev token …). Only
// the token goes to stdout.
func newDevTokenCmd() *cobra.Command {
	var (
		groups, roles []string
		subject       string
		ttl           time.Duration
	)
	cmd := &cobra.Command{
		Use:   "token --group TENANT [--group G2] [--role ROLE] [--subject S] [--ttl 1h]",
		Short: "Mint a bearer token signed by the dev issuer (the first --group is the tenant)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ttl <= 0 {
				return fmt.Errorf("dev token: --ttl must be positive, got %s", ttl)
			}
			// Refuse here what every verifier would refuse later.
			if _, err := auth.TenantFromGroups(groups); err != nil {
				return fmt.Errorf("dev token: --group: %w", err)
			}
			known := knownRoles(os.LookupEnv)
			for _, r := range roles {
				if !slices.Contains(known, r) {
					return fmt.Errorf("dev token: --role %q is not a role registryd knows (%s)", r, strings.Join(known, ", "))
				}
			}
			dir, err := cmd.Flags().GetString("data-dir")
			if err != nil {
				return fmt.Errorf("dev token: %w", err)
			}
			path := datadir.Path(dir, datadir.DevIssuer)
			tok, err := oidcdev.MintFromKeyFile(path, oidcdev.Claims{Subject: subject, Groups: groups, Roles: roles, TTL: ttl})
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("dev token: %s not found: start `registryd --dev` first, or pass --data-dir", path)
			}
			if err != nil {
				return fmt.Errorf("dev token: %w", err)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
			return err
		},
	}
	cmd.Flags().StringArrayVar(&groups, "group", nil, "group claim entry; the first is the tenant (repeatable, required)")
	cmd.Flags().StringArrayVar(&roles, "role", nil, "role: admin, developer, read-only or platform-admin, or their REGISTRY_*_ROLE names (repeatable)")
	cmd.Flags().StringVar(&subject, "subject", "dev", "subject (sub claim)")
	cmd.Flags().DurationVar(&ttl, "ttl", time.Hour, "token lifetime")
	_ = cmd.MarkFlagRequired("group") // cannot fail: the flag exists
	return cmd
}
