#!/bin/sh
# Subscribes the app's startUploadJob blob trigger to BlobCreated events under incoming/ (Event Grid
# system topic on the media account). Runs after every `azd deploy`: the blobs extension webhook
# takes that extension's system key, which exists only once the deployed app has started. The key is
# read here at deploy time and handed to bicep/modules/uploadEventSubscription.bicep as a secure
# parameter through a private file; it is never printed, stored in an app setting or output.
set -eu

: "${AZURE_RESOURCE_GROUP:?run through azd (azd deploy or azd up)}"
: "${AZURE_FUNCTION_APP_NAME:?run through azd (azd deploy or azd up)}"
: "${UPLOAD_EVENTS_TOPIC_NAME:?run azd provision first}"

key=""
# The host creates the key when it first starts after a deploy; give it a minute.
for attempt in 1 2 3 4 5 6 7 8 9 10 11 12; do
  key=$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" \
    --query systemKeys.blobs_extension -o tsv 2>/dev/null || true)
  [ -n "$key" ] && break
  echo "Waiting for the app's blobs extension key (attempt $attempt of 12)..."
  sleep 5
done
if [ -z "$key" ]; then
  echo "The blobs extension key is not there yet; run 'azd deploy' again to subscribe uploads." >&2
  exit 1
fi

umask 077
parameters=$(mktemp)
trap 'rm -f "$parameters"' EXIT
printf '{"blobsExtensionKey":{"value":"%s"}}' "$key" >"$parameters"
az deployment group create -g "$AZURE_RESOURCE_GROUP" --name upload-event-subscription \
  --template-file bicep/modules/uploadEventSubscription.bicep \
  --parameters systemTopicName="$UPLOAD_EVENTS_TOPIC_NAME" functionAppName="$AZURE_FUNCTION_APP_NAME" \
  --parameters "@$parameters" --output none
echo "Uploads subscribed: BlobCreated in incoming/ starts a job."
