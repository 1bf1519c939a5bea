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
