import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostProcess, startHostProcess } from '../../support/startHost.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const cli = join(repoRoot, 'dist/emulator/stack/cli.js');

// Queues, Cosmos DB and a queue output: none of them run on the local host.
const APP_SOURCE = `module.paths.push(${JSON.stringify(join(repoRoot, 'node_modules'))});
const { app, input, output } = require('@azure/functions');
const queueOut = output.storageQueue({ queueName: 'outbox', connection: 'QueueConn' });
app.storageQueue('onMessage', { queueName: 'inbox', connection: 'QueueConn', handler: () => {} });
app.http('enqueue', {
  extraOutputs: [queueOut],
  handler: (request, context) => {
    context.extraOutputs.set(queueOut, { hello: 'queue' });
    return { body: 'queued' };
  },
});
app.http('readDoc', {
  extraInputs: [input.cosmosDB({ databaseName: 'db', containerName: 'c', connection: 'CosmosConn', id: '1', partitionKey: '1' })],
  handler: () => ({ body: 'read' }),
});
app.http('ping', { handler: () => ({ body: 'pong' }) });
`;

let appDir: string;
beforeAll(() => {
  appDir = mkdtempSync(join(tmpdir(), 'mediaferry-bindings-'));
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ main: 'index.cjs' }));
  writeFileSync(join(appDir, 'host.json'), JSON.stringify({ version: '2.0' }));
  writeFileSync(join(appDir, 'index.cjs'), APP_SOURCE);
});
afterAll(() => rmSync(appDir, { recursive: true, force: true }));

describe('triggers and bindings the local host cannot run', () => {
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHostProcess({
      appDir,
      dataDir: join(appDir, '.data'),
      env: { CosmosConn__accountEndpoint: 'https://example.invalid/' },
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  /** Warnings go to stderr, which may arrive after the readiness line on stdout. */
  async function startupOutput(): Promise<string> {
    const deadline = Date.now() + 5_000;
    while (!/is in error/.test(host.output()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return host.output();
  }

  it('are named at start, one warning per function and binding', async () => {
    const output = await startupOutput();
    expect(output).toContain('Function "onMessage": trigger type "queueTrigger" is not supported locally');
    expect(output).toContain('Function "enqueue": output binding "');
    expect(output).toMatch(
      /Function "enqueue": output binding "[^"]+" of type "queue" is not supported locally/,
    );
    expect(output).toContain('Function "readDoc": input binding type "cosmosDB" is not supported locally');
  });

  it('name a missing connection setting at start; an identity-based one (name__…) counts as set', async () => {
    const output = await startupOutput();
    expect(output).toMatch(
      /Function "onMessage" is in error: binding "[^"]+" \(queueTrigger\) uses the connection 'QueueConn', which does not exist/,
    );
    expect(output).toMatch(/Function "enqueue" is in error: .*'QueueConn'/);
    expect(output).not.toMatch(/Function "readDoc" is in error/);
  });

  it('fail an invocation that writes to an undeliverable output instead of dropping the write', async () => {
    const response = await fetch(`${host.origin}/api/enqueue`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(500);
    expect(host.output()).toMatch(/BindingNotSupported|wrote to its output binding "[^"]+" of type "queue"/);
    expect((await fetch(`${host.origin}/api/ping`)).status).toBe(200);
  });
});

describe('--strict', () => {
  it('refuses to start and names every function the host cannot run', () => {
    const result = spawnSync(
      process.execPath,
      [cli, 'host', '--app', appDir, '--port', '0', '--no-durable', '--strict'],
      {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, QueueConn: 'UseDevelopmentStorage=true' },
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('UnsupportedAppFeature: --strict');
    expect(result.stderr).toContain('"onMessage"');
    expect(result.stderr).toContain('"enqueue"');
    expect(result.stderr).toContain('"readDoc"');
    expect(result.stderr).toContain("'CosmosConn', which does not exist");
    expect(result.stderr).not.toContain("'QueueConn', which does not exist");
  });
});
