#!/bin/sh
# Makes (or finds) the Entra ID app registration people sign in to the web library with, and hands
# its client id to the template as WEB_SIGN_IN_CLIENT_ID. Runs as azd's preprovision hook. The
# registration has an `admin` app role (assign it in Enterprise applications to let someone see every
# job) and no client secret: completeWebSignIn.sh later trusts the app's managed identity instead.
# Needs an account allowed to create app registrations; WEB_SIGN_IN=false skips sign-in altogether.
set -eu

if [ "${WEB_SIGN_IN:-true}" = "false" ]; then
  echo "WEB_SIGN_IN=false: the web library gets no sign-in (its pages then answer 302 to a missing /.auth)."
  exit 0
fi
: "${AZURE_ENV_NAME:?run through azd (azd provision or azd up)}"
if ! command -v az >/dev/null 2>&1; then
  echo "error: the Azure CLI (az) is required to register the web library's sign-in." >&2
  exit 2
fi

name="mediaferry-web-${AZURE_ENV_NAME}"
app_id="${WEB_SIGN_IN_CLIENT_ID:-}"
if [ -z "$app_id" ]; then
  app_id=$(az ad app list --filter "displayName eq '$name'" --query "[0].appId" -o tsv)
fi
if [ -z "$app_id" ]; then
  roles=$(mktemp)
  trap 'rm -f "$roles"' EXIT
  role_id=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)
  cat >"$roles" <<JSON
[{"allowedMemberTypes": ["User"], "description": "Sees and manages every job in the web library.",
  "displayName": "mediaferry admin", "id": "$role_id", "isEnabled": true, "value": "admin"}]
JSON
  app_id=$(az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg \
    --enable-id-token-issuance true --app-roles "@$roles" --query appId -o tsv)
  echo "Registered $name for web sign-in: $app_id"
fi
# The enterprise application is where people and the admin role are assigned.
az ad sp show --id "$app_id" >/dev/null 2>&1 || az ad sp create --id "$app_id" >/dev/null
az ad app update --id "$app_id" --identifier-uris "api://$app_id"
azd env set WEB_SIGN_IN_CLIENT_ID "$app_id"
