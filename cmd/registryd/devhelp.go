package main

import (
	"fmt"
	"io"

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

Stop with Ctrl-C.
`, base, svc.IssuerURL(), cfg.DataDir, console)
}
