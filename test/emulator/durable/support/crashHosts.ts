import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SAMPLES_APP_DIR, startDurableHostProcess, type DurableHostProcess } from './durableHostProcess.js';

/** The URL of `path` under the durable webhook API of the host at `origin`. */
export const durableApi = (origin: string, path: string) => `${origin}/runtime/webhooks/durabletask/${path}`;

/** The samples app's host options: its blob bindings and host storage on the Azurite of `connectionString`. */
export function samplesAppOn(connectionString: string) {
  return {
    appDir: SAMPLES_APP_DIR,
    env: { StorageConnString: connectionString, AzureWebJobsStorage: connectionString },
  };
}

/**
 * The hosts of a kill -9 test, all on one data folder in a fresh temporary folder (`workDir`, named
 * from `prefix`; the data folder is `dataSubdir` in it, or the folder itself). `start` runs another host
 * of the app that `hostOptions` names; after the file's tests every host is killed and the folder removed.
 */
export function useCrashHosts(
  prefix: string,
  options: {
    dataSubdir?: string;
    hostOptions?: () => { appDir?: string; env?: Record<string, string> };
  } = {},
) {
  const workDir = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = options.dataSubdir ? join(workDir, options.dataSubdir) : workDir;
  const hosts: DurableHostProcess[] = [];
  afterAll(async () => {
    for (const host of hosts) await host.killNow();
    rmSync(workDir, { recursive: true, force: true });
  });
  return {
    workDir,
    dataDir,
    async start(): Promise<DurableHostProcess> {
      const host = await startDurableHostProcess({ ...options.hostOptions?.(), dataDir });
      hosts.push(host);
      return host;
    },
  };
}
