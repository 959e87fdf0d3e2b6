#!/bin/sh
# One-shot Vault configuration for the compose stack: what testkit does for
# the tests, against the Keycloak realm "hypo". Idempotent.
set -eu
export VAULT_ADDR="${VAULT_ADDR:-http://vault:8200}"
export VAULT_TOKEN="${VAULT_TOKEN:-root}"
ISSUER="${OIDC_ISSUER:-http://localhost:8080/realms/hypo}"
JWKS="${OIDC_JWKS_URL:-http://keycloak:8080/realms/hypo/protocol/openid-connect/certs}"

until vault status >/dev/null 2>&1; do sleep 1; done

vault secrets list | grep -q '^hypo/' || vault secrets enable -path=hypo -version=2 kv
vault auth list | grep -q '^jwt/' || vault auth enable jwt
vault write auth/jwt/config jwks_url="$JWKS" bound_issuer="$ISSUER"
# No "default" policy on exchanged tokens: they need their tenant's policy
# only, and Vault re-parses the default policy (it is templated) on every
# request of a token that has it (README, "Vault role").
vault write auth/jwt/role/registry role_type=jwt user_claim=sub groups_claim=groups \
  bound_audiences=registry-api token_ttl=15m token_max_ttl=1h token_no_default_policy=true

# Tenants: one policy and one external group per tenant; Keycloak puts the
# full group path ("/tenant-a") in the groups claim, so that is the alias.
accessor=$(vault read -field=accessor sys/auth/jwt 2>/dev/null || vault auth list -detailed | awk '$1=="jwt/"{print $3}')
for tenant in tenant-a tenant-b; do
  policy="${tenant}_policy"
  rules=""
  for scope in image-pull package-registry kubernetes-config kubernetes-sa-config fabric-secret service-order-data virtual-host; do
    rules="$rules
path \"hypo/data/$scope/$tenant/*\" { capabilities = [\"create\", \"read\", \"update\", \"patch\", \"delete\", \"list\"] }
path \"hypo/metadata/$scope/$tenant/*\" { capabilities = [\"read\", \"update\", \"list\", \"delete\"] }
path \"hypo/metadata/$scope/$tenant/\" { capabilities = [\"list\"] }
path \"hypo/metadata/$scope/$tenant\" { capabilities = [\"list\"] }
path \"hypo/delete/$scope/$tenant/*\" { capabilities = [\"update\"] }
path \"hypo/undelete/$scope/$tenant/*\" { capabilities = [\"update\"] }
path \"hypo/destroy/$scope/$tenant/*\" { capabilities = [\"update\"] }"
  done
  printf '%s\n' "$rules" | vault policy write "$policy" -
  if ! vault read -field=id "identity/group/name/$tenant" >/dev/null 2>&1; then
    id=$(vault write -field=id identity/group name="$tenant" type=external policies="$policy")
    vault write identity/group-alias name="/$tenant" mount_accessor="$accessor" canonical_id="$id"
  fi
done
echo "vault configured"
