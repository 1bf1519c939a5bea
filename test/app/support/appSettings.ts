/** A complete, valid set of app settings, as the local stack provides them. */
export function validAppSettings(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000',
    JOBS_RESOURCE_GROUP: 'rg-jobs',
    JOBS_LOCATION: 'westeurope',
    WORKER_IMAGE: 'myacr.azurecr.io/mediaferry-worker:1.0.0',
    WORKER_IDENTITY_RESOURCE_ID:
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/worker',
    WORKER_IDENTITY_CLIENT_ID: '11111111-1111-1111-1111-111111111111',
    MEDIA_BLOB_ENDPOINT: 'https://media.blob.core.windows.net',
    CALLBACK_SIGNING_KEY: 'test-signing-key-0123456789abcdef0123456789',
    // The janitor's timer names %JANITOR_SCHEDULE%; a host refuses to start when it is unset, as in Azure.
    JANITOR_SCHEDULE: '0 */10 * * * *',
    ...overrides,
  };
}

/** Replaces the listed settings in process.env and returns a function that puts the old values back. */
export function useSettings(settings: NodeJS.ProcessEnv): () => void {
  const names = new Set([...Object.keys(settings), ...Object.keys(validAppSettings())]);
  const saved = new Map([...names].map((n) => [n, process.env[n]]));
  for (const name of names) {
    const value = settings[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
