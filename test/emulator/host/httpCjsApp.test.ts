import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostInTempDir, type TempDirHost } from '../../support/startHost.js';

describe('local host running a CommonJS app with routePrefix "v1" (test/apps/http-cjs)', () => {
  let host: TempDirHost;

  beforeAll(async () => {
    host = await startHostInTempDir({
      appDir: resolve(import.meta.dirname, '../../apps/http-cjs'),
      args: ['--no-durable'],
    });
  });

  afterAll(() => host?.close());

  it('serves routes under the routePrefix from host.json and lists them with it', async () => {
    const response = await fetch(`${host.origin}/v1/greet/Ada`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('Hello, Ada!');
    expect(host.output()).toContain(
      `\tgreet: [GET] http://localhost:${new URL(host.origin).port}/v1/greet/{name:alpha}`,
    );
  });

  it('does not serve the default api prefix when host.json sets another', async () => {
    expect((await fetch(`${host.origin}/api/greet/Ada`)).status).toBe(404);
  });

  it('enforces an alpha constraint', async () => {
    expect((await fetch(`${host.origin}/v1/greet/Ada42`)).status).toBe(404);
  });

  it('passes the rest of the path to a catch-all parameter, slashes included', async () => {
    const response = await fetch(`${host.origin}/v1/files/a/b%20c/d.txt`);
    expect(await response.json()).toEqual({ path: 'a/b c/d.txt' });
  });
});
