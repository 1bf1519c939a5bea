#!/bin/sh
# Runs as azd's predeploy hook. With the Durable Task Scheduler backend, the app settings switch the
# Functions host to the scheduler, but the platform's scale controller reads the provider from host.json
# only; warn (without failing) when host.json does not name it, since scale-out would not follow the work.
set -eu

backend="${DURABLE_BACKEND:-azureStorage}"
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
host_json="${repo_root}/host.json"

if [ "$backend" != "durableTaskScheduler" ]; then
  exit 0
fi
if [ -f "$host_json" ] && grep -Eq '"type"[[:space:]]*:[[:space:]]*"azureManaged"' "$host_json"; then
  echo "Durable backend: durableTaskScheduler, and host.json names the azureManaged provider."
  exit 0
fi
cat >&2 <<MESSAGE
warning: DURABLE_BACKEND=durableTaskScheduler, but host.json does not set
  extensions.durableTask.storageProvider.type to "azureManaged".
  The app will run on the scheduler (its app settings say so), but the platform's scale controller
  reads host.json and watches the Azure Storage task hub instead: instances will not be added for
  Durable work, and a sleeping app will not wake for a due timer. Set in host.json:
    "storageProvider": { "type": "azureManaged", "connectionStringName": "DURABLE_TASK_SCHEDULER_CONNECTION_STRING" }
  then deploy again. See docs/deployment.md, "Durable backend".
MESSAGE
exit 0
