import { join } from 'node:path';
import type { InstanceStatusBody } from '../../../../emulator/durable/instanceStatusBody.js';
import { startHostProcess, type HostProcess } from '../../../support/startHost.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');
/** The test apps (test/apps/) the durable tests run on the host. */
export const FEATURES_APP_DIR = join(repoRoot, 'test', 'apps', 'durable-features');
export const SAMPLES_APP_DIR = join(repoRoot, 'test', 'apps', 'durable-samples');
export const ENTITIES_APP_DIR = join(repoRoot, 'test', 'apps', 'durable-entities');
export const CONTRACT_APP_DIR = join(repoRoot, 'test', 'apps', 'durable-contract');

export interface DurableHostProcess extends HostProcess {
  /** SIGKILL at once: nothing gets to flush or clean up. */
  killNow(): Promise<void>;
}

/** Starts the local Functions host (with the durable engine) for an app in a child process on port 0. */
export async function startDurableHostProcess(options: {
  appDir?: string;
  dataDir: string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<DurableHostProcess> {
  const host = await startHostProcess({
    appDir: options.appDir ?? FEATURES_APP_DIR,
    dataDir: options.dataDir,
    ...(options.env ? { env: options.env } : {}),
    ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
  });
  return { ...host, killNow: () => host.kill('SIGKILL') };
}

export async function requestJson(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined
      ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
      : {}),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON; keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

/** Polls a status URL until the predicate holds; fails with the last status after the bound. */
export async function waitForStatus(
  statusUrl: string,
  until: (status: InstanceStatusBody) => boolean = (s) =>
    ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus),
  timeoutMs = 20_000,
): Promise<InstanceStatusBody> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const { status, body } = await requestJson(statusUrl);
    last = body;
    if ((status === 200 || status === 202) && until(body as InstanceStatusBody))
      return body as InstanceStatusBody;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `status did not reach the expected state within ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
  );
}
