import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../support/useTempDir.js';
import { startDurableHostProcess, type DurableHostProcess } from '../durable/support/durableHostProcess.js';

interface Answer {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

/** A raw request, so the Host and Origin headers are exactly what a browser or a rebinding page sends. */
function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: Answer['body'] = {};
          try {
            body = text ? (JSON.parse(text) as Answer['body']) : {};
          } catch {
            body = { text };
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the local host refuses requests a web page could make', () => {
  const workDir = useTempDir('mf-host-guard-');
  let host: DurableHostProcess;
  let port: number;

  beforeAll(async () => {
    host = await startDurableHostProcess({ dataDir: join(workDir, 'data') });
    port = Number(new URL(host.origin).port);
  }, 60_000);
  afterAll(() => host?.stop());

  const statusPath = '/runtime/webhooks/durabletask/instances';
  const startPath = '/runtime/webhooks/durabletask/orchestrators/chaining';
  /** A POST as a page would send it: with Host 127.0.0.1 on the host's port unless `headers` names another. */
  const post = (path: string, headers: Record<string, string>, body: string) =>
    send(port, path, { method: 'POST', headers: { host: `127.0.0.1:${port}`, ...headers }, body });

  it.each(['127.0.0.1', 'localhost', '[::1]'])(
    'answers requests addressed to %s on its own port',
    async (name) => {
      const answer = await send(port, statusPath, { headers: { host: `${name}:${port}` } });
      expect(answer.status).toBe(200);
    },
  );

  it.each([
    ['a rebinding name', (p: number) => `attacker.example:${p}`],
    ['its own address on another port', (p: number) => `127.0.0.1:${p + 1}`],
    ['its own address without the port', () => '127.0.0.1'],
    ['a LAN address', (p: number) => `192.168.1.20:${p}`],
  ])('refuses 421 a Host naming %s, saying which hosts it answers', async (_name, hostOf) => {
    const answer = await send(port, statusPath, { headers: { host: hostOf(port) } });
    expect(answer.status).toBe(421);
    expect(answer.body.error?.code).toBe('MisdirectedRequest');
    expect(answer.body.error?.message).toContain(`127.0.0.1:${port}`);
  });

  it('refuses 403 a state-changing request from another site, and starts nothing', async () => {
    for (const origin of ['https://attacker.example', 'null', `http://127.0.0.1:${port + 1}`]) {
      const answer = await post(startPath, { origin, 'content-type': 'application/json' }, '{}');
      expect(answer.status, origin).toBe(403);
      expect(answer.body.error?.code).toBe('CrossOriginRefused');
    }
    const list = await send(port, statusPath, { headers: { host: `127.0.0.1:${port}` } });
    expect(list.body).toEqual([]);
  });

  it('accepts a state-changing request from its own origin, or with no Origin at all', async () => {
    const own = await post(
      '/api/orchestrators/chaining',
      { host: `localhost:${port}`, origin: `http://localhost:${port}`, 'content-type': 'application/json' },
      '{}',
    );
    expect(own.status).toBe(202);
    const none = await post('/api/orchestrators/chaining', { 'content-type': 'application/json' }, '{}');
    expect(none.status).toBe(202);
  });

  it('refuses 403 a form post from an opaque origin (Origin: null), the way sandboxed pages send it', async () => {
    const answer = await post(
      startPath,
      { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
      'a=b',
    );
    expect(answer.status).toBe(403);
    expect(answer.body.error?.code).toBe('CrossOriginRefused');
  });
  it('refuses 415 a Durable webhook call whose body is not JSON, as a form post would send it', async () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
    ]) {
      const answer = await post(startPath, { 'content-type': type }, '"x"');
      expect(answer.status, type).toBe(415);
      expect(answer.body.error?.code).toBe('UnsupportedMediaType');
    }
    const json = await post(startPath, { 'content-type': 'application/json; charset=utf-8' }, '"x"');
    expect(json.status).toBe(202);
    // raiseEvent is left to the webhook API, which answers the extension's 400 for a non-JSON body.
    const event = await post(
      '/runtime/webhooks/durabletask/instances/none/raiseEvent/Go',
      { 'content-type': 'text/plain' },
      '"x"',
    );
    expect(event.status).not.toBe(415);
  });
});
