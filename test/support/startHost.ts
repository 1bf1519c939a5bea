import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startHostProcess as startHost,
  type HostProcess,
  type HostProcessOptions,
} from '../../emulator/host/hostProcess.js';

export type { HostProcess };
export type StartHostProcessOptions = Omit<HostProcessOptions, 'port'>;

/** Runs `mediaferry host` for an app on a free port (build first) and waits until it is ready. */
export function startHostProcess(options: StartHostProcessOptions): Promise<HostProcess> {
  return startHost({ ...options, port: 0 });
}

export interface TempDirHost extends HostProcess {
  /** The host's data folder, inside a fresh temporary folder. */
  dataDir: string;
  /** Stops the host (if still running) and deletes its temporary folder. */
  close(): Promise<void>;
}

/** Like startHostProcess, with the host's data in a fresh temporary folder that `close()` deletes. */
export async function startHostInTempDir(
  options: Omit<StartHostProcessOptions, 'dataDir'>,
): Promise<TempDirHost> {
  const workDir = mkdtempSync(join(tmpdir(), 'mediaferry-host-'));
  const dataDir = join(workDir, 'data');
  let host: HostProcess;
  try {
    host = await startHostProcess({ ...options, dataDir });
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...host,
    dataDir,
    async close() {
      await host.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** App settings as a child process environment: the unset ones left out. */
export function definedEnv(settings: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
