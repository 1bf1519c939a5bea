import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
export const FEATURES_APP_DIR = join(repoRoot, 'test', 'apps', 'durable-features');
const READINESS_PREFIX = 'Host started: ';

export interface DurableHostProcess {
  readonly origin: string;
  readonly child: ChildProcess;
  /** Output so far, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after a bound; resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL at once: nothing gets to flush or clean up. */
  kill(): Promise<void>;
}

/** Starts the local Functions host (with the durable engine) for an app in a child process on port 0. */
export async function startDurableHostProcess(options: {
  appDir?: string;
  dataDir: string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<DurableHostProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'emulator', 'cli.ts'),
      'host',
      '--app',
      options.appDir ?? FEATURES_APP_DIR,
      '--port',
      '0',
      '--data-dir',
      options.dataDir,
    ],
    { cwd: repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`host did not start within the bound:\n${output}`)),
      options.readyTimeoutMs ?? 30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.includes(READINESS_PREFIX));
      if (line) {
        clearTimeout(timer);
        resolve(line.slice(line.indexOf(READINESS_PREFIX) + READINESS_PREFIX.length).trim());
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code} before it was ready:\n${output}`));
    });
  });
  const waitForExit = async (boundMs: number): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
  };
  return {
    origin,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await waitForExit(10_000);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await waitForExit(5_000);
      }
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await waitForExit(5_000);
    },
  };
}

export interface StatusBody {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Array<Record<string, unknown>>;
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
  until: (status: StatusBody) => boolean = (s) =>
    ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus),
  timeoutMs = 20_000,
): Promise<StatusBody> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const { status, body } = await requestJson(statusUrl);
    last = body;
    if ((status === 200 || status === 202) && until(body as StatusBody)) return body as StatusBody;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `status did not reach the expected state within ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
  );
}
