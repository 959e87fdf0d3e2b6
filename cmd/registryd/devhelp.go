package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/hypo-registry/registry/internal/app"
)

// printDevHelp tells a first-time user how to call the running service.
func printDevHelp(w io.Writer, svc *app.Service, cfg app.Config) {
	base := svc.BaseURL()
	console := ""
	if cfg.Console.Enabled {
		console = "\n  console         " + base + "/console/ (sign in at the issuer)"
	}
	fmt.Fprintf(w, `
registryd is running in dev mode (embedded store, built-in dev issuer).

  REST API        %[1]s/registry-api
  virtual hosts   %[1]s/registry/v1
  registry token  %[1]s/token (Docker token protocol; public keys at %[1]s/token/jwks.json)
  issuer          %[2]s
  metrics         %[1]s/metrics%[4]s

Try it (in another terminal, from the repository):

  export TOKEN=$(./bin/registryctl --data-dir %[3]s dev token --group tenant-a --role developer)
  curl -sS -X POST %[1]s/registry-api/image-pull/secret/my-pull-secret \
       -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
       -d '{"username":"my-user","password":"my-password","url":"https://registry.example.com"}'
  curl -sS %[1]s/registry-api/image-pull/secret/my-pull-secret -H "Authorization: Bearer $TOKEN"
  curl -sS %[1]s/registry-api/image-pull/secrets -H "Authorization: Bearer $TOKEN"
  curl -sS -u "dev:$TOKEN" '%[1]s/token?service=registry&scope=repository:tenant-a/app:pull,push'

Sign in to the console at %[1]s/console/ (the dev issuer's login page) as
one of these demo users. DEV ONLY: the passwords are random, kept in
%[3]s/dev-issuer.json; `+"`registryctl dev users`"+` prints them again.

`, base, svc.IssuerURL(), cfg.DataDir, console)
	for _, u := range svc.DevUsers() {
		fmt.Fprintf(w, "  %-6s %-28s tenant %s, roles %s\n", u.Name, u.Password, u.Tenant, strings.Join(u.Roles, ", "))
	}
	fmt.Fprint(w, "\nStop with Ctrl-C.\n")
}
