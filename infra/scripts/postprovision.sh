#!/bin/sh
# azd postprovision hook: create the review page's anti-forgery key (REVIEW_TOKEN_SECRET) in Key
# Vault once, then change an app setting so that App Service reads its Key Vault reference again.
# - Idempotent: an existing secret is kept (rotating it is a deliberate operator act, see
#   docs/operations.md); running the hook twice changes nothing.
# - The value is never printed and never on a command line: it goes through a 0600 temp file.
# - The deploying operator gets Key Vault Secrets Officer from the template; a fresh role
#   assignment can take minutes to apply, so "Forbidden" is retried for up to ~5 minutes.
set -eu

: "${AZURE_KEY_VAULT_NAME:?run this through azd (azd provision / azd up): AZURE_KEY_VAULT_NAME is not set}"
SECRET_NAME="${C2ARM_REVIEW_TOKEN_SECRET_NAME:-review-token-secret}"
RETRY_SECONDS="${C2ARM_HOOK_RETRY_SECONDS:-10}"
RETRIES="${C2ARM_HOOK_RETRIES:-30}"

if ! command -v az >/dev/null 2>&1; then
  echo "postprovision: the Azure CLI (az) is required to create $SECRET_NAME in $AZURE_KEY_VAULT_NAME" >&2
  exit 1
fi

errfile=$(mktemp)
valuefile=""
cleanup() {
  rm -f "$errfile"
  if [ -n "$valuefile" ]; then rm -f "$valuefile"; fi
}
trap cleanup EXIT INT TERM

attempt=1
exists=0
while :; do
  if az keyvault secret show --vault-name "$AZURE_KEY_VAULT_NAME" --name "$SECRET_NAME" \
      --query id -o none 2>"$errfile"; then
    echo "postprovision: $SECRET_NAME already exists in $AZURE_KEY_VAULT_NAME (kept)"
    exists=1
    break
  fi
  if grep -q "SecretNotFound" "$errfile"; then
    break
  fi
  if grep -q -i "forbidden" "$errfile" && [ "$attempt" -lt "$RETRIES" ]; then
    echo "postprovision: waiting for the Key Vault role assignment to apply (attempt $attempt/$RETRIES)"
    attempt=$((attempt + 1))
    sleep "$RETRY_SECONDS"
    continue
  fi
  echo "postprovision: cannot read $SECRET_NAME in $AZURE_KEY_VAULT_NAME:" >&2
  cat "$errfile" >&2
  exit 1
done

if [ "$exists" -eq 0 ]; then
  umask 077
  valuefile=$(mktemp)
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -base64 48 | tr -d '\n' >"$valuefile"
  else
    head -c 48 /dev/urandom | base64 | tr -d '\n' >"$valuefile"
  fi
  az keyvault secret set --vault-name "$AZURE_KEY_VAULT_NAME" --name "$SECRET_NAME" \
    --file "$valuefile" --encoding utf-8 --content-type "text/plain" -o none
  echo "postprovision: created $SECRET_NAME in $AZURE_KEY_VAULT_NAME"
fi

# App Service reads a Key Vault reference again on any configuration change ("Use Key Vault
# references as app settings", Microsoft Learn); a restart alone may keep a reference that did not
# resolve (the literal @Microsoft.KeyVault(...) stays in the setting, and c2arm refuses decisions).
# Changing a setting forces the refetch, whether the secret was just created or kept.
if [ -n "${AZURE_FUNCTION_APP_NAME:-}" ] && [ -n "${AZURE_RESOURCE_GROUP:-}" ]; then
  az functionapp config appsettings set --name "$AZURE_FUNCTION_APP_NAME" \
    --resource-group "$AZURE_RESOURCE_GROUP" \
    --settings "C2ARM_SECRETS_REFRESHED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)" -o none
  echo "postprovision: changed C2ARM_SECRETS_REFRESHED_AT on $AZURE_FUNCTION_APP_NAME so that REVIEW_TOKEN_SECRET is read again"
fi
