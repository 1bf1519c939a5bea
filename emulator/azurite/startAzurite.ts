import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Azurite's well-known development account (public, documented; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Folder for blob data; omitted means in-memory (tests). */
  dataDir?: string;
  /** Serve HTTPS with this certificate and accept OAuth bearer tokens (`--oauth basic`). */
  tls?: { certPath: string; keyPath: string };
  /** 0 (default) picks a free port. */
  port?: number;
  startTimeoutMs?: number;
}

export interface RunningAzurite {
  /** e.g. https://127.0.0.1:41234/devstoreaccount1 */
  blobEndpoint: string;
  /** Shared-key connection string for the development account (tests and tooling only). */
  connectionString: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts Azurite's blob service as a child of this process, on loopback, telemetry off, and resolves
 * once it listens. Runs Azurite's own main module under node so stopping the pid stops the server.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const require = createRequire(import.meta.url);
  const main = join(dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const args = [
    main,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(options.port ?? 0),
    '--disableTelemetry',
    // The SDK on npm for Node 20 speaks a newer API version than this Azurite knows.
    '--skipApiVersionCheck',
    '--loose',
  ];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('--location', options.dataDir);
  } else {
    args.push('--inMemoryPersistence');
  }
  if (options.tls)
    args.push('--cert', options.tls.certPath, '--key', options.tls.keyPath, '--oauth', 'basic');

  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.dataDir });
  const port = await waitForListening(child, options.startTimeoutMs ?? 20_000);
  const scheme = options.tls ? 'https' : 'http';
  const blobEndpoint = `${scheme}://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  return {
    blobEndpoint,
    port,
    pid: child.pid as number,
    connectionString: `DefaultEndpointsProtocol=${scheme};AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
    stop: () => stopChild(child),
  };
}

function waitForListening(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /successfully listens on https?:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) =>
      fail(new Error(`Azurite exited with code ${code} before listening:\n${output}`)),
    );
  });
}

export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
