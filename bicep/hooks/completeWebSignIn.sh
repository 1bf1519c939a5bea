#!/bin/sh
# Finishes the web library's sign-in once the app exists: the registration's redirect URI (the app's
# /.auth/login/aad/callback) and a federated credential that lets the app's managed identity stand in
# for a client secret (App Service Authentication reads OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID).
# Runs from azd's postprovision hook with the deployment's outputs as environment variables.
set -eu

app_id="${WEB_SIGN_IN_CLIENT_ID:-}"
if [ "${WEB_SIGN_IN:-true}" = "false" ] || [ -z "$app_id" ]; then
  echo "No web sign-in registration (WEB_SIGN_IN_CLIENT_ID is empty); nothing to finish."
  exit 0
fi
: "${FUNCTION_APP_URL:?run azd provision first}"
: "${APP_IDENTITY_PRINCIPAL_ID:?run azd provision first}"
: "${AZURE_TENANT_ID:?run azd provision first}"

az ad app update --id "$app_id" --web-redirect-uris "${FUNCTION_APP_URL}/.auth/login/aad/callback"

existing=$(az ad app federated-credential list --id "$app_id" --query "[?name=='app-identity'] | length(@)" -o tsv)
if [ "$existing" = "0" ]; then
  credential=$(mktemp)
  trap 'rm -f "$credential"' EXIT
  cat >"$credential" <<JSON
{"name": "app-identity", "issuer": "https://login.microsoftonline.com/${AZURE_TENANT_ID}/v2.0",
 "subject": "${APP_IDENTITY_PRINCIPAL_ID}", "audiences": ["api://AzureADTokenExchange"],
 "description": "The mediaferry Function App's managed identity signs App Service Authentication in."}
JSON
  az ad app federated-credential create --id "$app_id" --parameters "@$credential" >/dev/null
fi
echo "Web sign-in ready: ${FUNCTION_APP_URL}/.auth/login/aad"
