import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { startHostInTempDir, type TempDirHost } from '../../support/startHost.js';

const appDir = resolve(import.meta.dirname, '../../apps/extension-probe');

describe('local host with an extension (test/apps/extension-probe)', () => {
  let host: TempDirHost;

  beforeAll(async () => {
    host = await startHostInTempDir({
      appDir,
      args: ['--no-durable', '--extension', join(appDir, 'probeExtension.js')],
    });
  });

  afterAll(() => host?.close());

  it('starts the extension after loading the app and lists its trigger type', () => {
    expect(host.output()).toContain('probe extension started with 2 functions');
    expect(host.output()).toContain('\tprobeWork: probeTrigger\n');
    expect(host.output()).not.toContain('not supported locally');
  });

  it('gives functions with an extension trigger no HTTP route', async () => {
    expect((await fetch(`${host.origin}/probeWork`)).status).toBe(404);
  });

  it('routes /runtime/webhooks/<name>/ to the extension, which invokes its function with its input binding', async () => {
    const response = await fetch(`${host.origin}/runtime/webhooks/probe/invoke?value=42`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      returnValue: {
        received: { value: '42' },
        client: { binding: 'probeClient', forFunction: 'probeWork', origin: host.origin },
      },
      error: null,
    });
    // The host logs the execution on its stdout, which can reach us after the HTTP answer.
    await eventually(
      'the Executed log line',
      () => /Executed 'Functions\.probeWork' \(Succeeded/.test(host.output()),
      5_000,
      50,
    );
  });

  it('fills an extension-owned input binding of an HTTP function (routePrefix "")', async () => {
    const response = await fetch(`${host.origin}/status`);
    expect(await response.json()).toEqual({
      client: { binding: 'probeClient', forFunction: 'status', origin: host.origin },
    });
  });

  it('answers 404 for webhooks of an extension that is not loaded', async () => {
    const response = await fetch(`${host.origin}/runtime/webhooks/durabletask/instances`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'WebhookNotFound' } });
  });

  it('stops the extension on shutdown', async () => {
    await host.stop();
    expect(host.exitCode()).toBe(0);
    expect(existsSync(join(host.dataDir, 'probe-stopped'))).toBe(true);
  });
});

describe('local host without the extension', () => {
  it('lists the extension-only trigger as not supported locally instead of failing', async () => {
    const host = await startHostInTempDir({ appDir, args: ['--no-durable'] });
    try {
      expect(host.output()).toContain('\tprobeWork: probeTrigger (not supported locally)');
      expect(host.output()).toContain('input binding type "probeClient" is not supported locally');
    } finally {
      await host.close();
    }
  });
});
