import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DurableHostProcess,
  requestJson,
  startDurableHostProcess,
  waitForStatus,
} from '../durable/support/durableHostProcess.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const cli = join(repoRoot, 'dist/emulator/stack/cli.js');
const tempDirs: string[] = [];

/** A CommonJS app in a temporary folder that resolves packages from the repository's node_modules. */
function writeApp(hostJson: unknown, source = ''): string {
  const appDir = mkdtempSync(join(tmpdir(), 'mediaferry-hostjson-'));
  tempDirs.push(appDir);
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ main: 'index.cjs' }));
  if (hostJson !== undefined) writeFileSync(join(appDir, 'host.json'), JSON.stringify(hostJson));
  writeFileSync(
    join(appDir, 'index.cjs'),
    `module.paths.push(${JSON.stringify(join(repoRoot, 'node_modules'))});\n` +
      `const { app } = require('@azure/functions');\n` +
      `app.http('ping', { handler: () => ({ body: 'pong' }) });\n` +
      source,
  );
  return appDir;
}

function startFails(appDir: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [cli, 'host', '--app', appDir, '--port', '0', '--no-durable'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('host.json version, as the Functions host requires it', () => {
  it('refuses to start when host.json has no version, with the host message', () => {
    const result = startFails(writeApp({ extensions: {} }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('InvalidHostJson');
    expect(result.stderr).toContain("missing the required 'version' property");
  });

  it('refuses a version other than 2.0', () => {
    const result = startFails(writeApp({ version: '1.0' }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "'1.0' is an invalid value for host.json 'version' property. This value must be '2.0'.",
    );
  });

  it('refuses a functionTimeout that is not a time span', () => {
    const result = startFails(writeApp({ version: '2.0', functionTimeout: '10 minutes' }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("functionTimeout '10 minutes' is not a time span");
  });
});

describe('host.json functionTimeout is enforced', () => {
  let host: DurableHostProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mediaferry-timeout-data-'));
    tempDirs.push(dataDir);
    const appDir = writeApp(
      { version: '2.0', functionTimeout: '00:00:01' },
      `const df = require('durable-functions');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
df.app.activity('sleepFor', { handler: async (ms) => { await sleep(ms); return ms; } });
df.app.orchestration('sleepy', function* (context) {
  const quick = yield context.df.callActivity('sleepFor', 10);
  try {
    yield context.df.callActivity('sleepFor', 3000);
    return { quick, slow: 'finished' };
  } catch (error) {
    return { quick, slow: error.message };
  }
});
app.http('slowHttp', { handler: async () => { await sleep(3000); return { body: 'late' }; } });
`,
    );
    host = await startDurableHostProcess({ appDir, dataDir });
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('fails an activity that runs past it with the error Azure gives; a quick one completes', async () => {
    await requestJson(`${host.origin}/runtime/webhooks/durabletask/orchestrators/sleepy/t-1`, {
      method: 'POST',
    });
    const done = await waitForStatus(`${host.origin}/runtime/webhooks/durabletask/instances/t-1`);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toMatchObject({
      quick: 10,
      slow: expect.stringContaining(
        'Timeout value of 00:00:01 was exceeded by function: Functions.sleepFor',
      ) as unknown,
    });
    expect(host.output()).toMatch(/Timeout value of 00:00:01 exceeded by function 'Functions.sleepFor'/);
  });

  it('fails an HTTP function that runs past it with 500', async () => {
    const started = Date.now();
    const response = await fetch(`${host.origin}/api/slowHttp`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(2_900);
    expect((await fetch(`${host.origin}/api/ping`)).status).toBe(200);
  });
});
