import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobResultSchema, type JobFailed } from '../../src/shared/contracts.js';
import { SOURCE_SECRET_NAMES, WORKER_ENV } from '../../src/shared/workerEnvironment.js';
import { startLocalKeyVault, type LocalKeyVault } from '../support/localKeyVault.js';
import { startCookieGatedServer, type CookieGatedServer } from '../support/cookieGatedServer.js';
import { startUpstreamProxyServer, type UpstreamProxyServer } from '../support/upstreamProxyServer.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';

const WORKER = { clientId: '33333333-3333-4333-8333-333333333333' };
const OTHER = { clientId: '44444444-4444-4444-8444-444444444444' };
const SESSION = { name: 'mf_session', value: 'c00kie-value-that-must-stay-secret-7f3a' };
const PROXY_PASSWORD = 'proxy-pa55word-that-must-stay-secret';
const COOKIES_FILE = [
  '# Netscape HTTP Cookie File',
  `127.0.0.1\tFALSE\t/\tFALSE\t4102444800\t${SESSION.name}\t${SESSION.value}`,
  '',
].join('\n');

let bed: WorkerTestBed;
let local: LocalKeyVault;
let gated: CookieGatedServer;
let upstream: UpstreamProxyServer;
const secrets = new Map<string, string>();
const readers = [WORKER.clientId];

beforeAll(async () => {
  bed = await startWorkerTestBed();
  [local, gated, upstream] = await Promise.all([
    startLocalKeyVault({
      identities: [WORKER, OTHER],
      readerClientIds: readers,
      readSecret: (name) => secrets.get(name),
    }),
    startCookieGatedServer({ file: join(bed.fixtures.dir, bed.fixtures.progressiveMp4), cookie: SESSION }),
    startUpstreamProxyServer({ credentials: { user: 'mediaferry', password: PROXY_PASSWORD } }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([bed?.stop(), local?.stop(), gated?.close(), upstream?.close()]);
});

beforeEach(() => secrets.clear());

/** A worker with the vault, its identity and trust in the local certificate, as the local ACI gives it. */
function envFor(sourceUrl: string, overrides: Record<string, string | undefined> = {}) {
  return bed.env(sourceUrl, {
    [WORKER_ENV.allowedPrivateSources]: [new URL(bed.media.origin).host, new URL(gated.origin).host].join(
      ',',
    ),
    [WORKER_ENV.sourceSecretsVaultUri]: local.vault.vaultUri,
    [WORKER_ENV.identityClientId]: WORKER.clientId,
    AZURE_POD_IDENTITY_AUTHORITY_HOST: local.identity.podIdentityAuthorityHost,
    NODE_EXTRA_CA_CERTS: local.certificate.certPath,
    ...overrides,
  });
}

/** Everything the worker said or sent: its logs and every callback body. */
function everythingSeen(logs: string): string {
  return `${logs}\n${JSON.stringify(bed.callback.attempts.map((a) => a.body))}`;
}

function lastResult() {
  return jobResultSchema.parse(bed.callback.accepted('JobFinished').at(-1)?.body);
}

describe('worker reads the source secrets from Key Vault with its identity', { timeout: 120_000 }, () => {
  it('hands the cookies secret to yt-dlp: a source that needs the session cookie serves the media', async () => {
    secrets.set(SOURCE_SECRET_NAMES.cookies, COOKIES_FILE);
    const before = gated.requests.length;
    const { code, logs } = await runWorkerProcess(envFor(gated.url));
    expect(code, logs).toBe(0);
    expect(lastResult().status).toBe('Succeeded');
    expect(gated.requests.slice(before).some((r) => r.withCookie && r.status === 200)).toBe(true);
    expect(gated.requests.slice(before).every((r) => r.withCookie)).toBe(true);
    expect(logs).toContain('source secrets: cookies set, proxy not set');
    expect(everythingSeen(logs)).not.toContain(SESSION.value);
    // The 0600 cookies file went with the job's temp dir.
    expect(bed.leftoverWorkDirs()).toEqual([]);
  });

  it('does not read the cookies secret for a job that opted out (useCookies: false)', async () => {
    secrets.set(SOURCE_SECRET_NAMES.cookies, COOKIES_FILE);
    const before = local.vault.requests.length;
    const { code, logs } = await runWorkerProcess(envFor(gated.url, { [WORKER_ENV.useCookies]: 'false' }));
    expect(code, logs).toBe(1);
    expect((lastResult() as JobFailed).error.code).toBe('SOURCE_FORBIDDEN');
    expect(local.vault.requests.slice(before).map((r) => r.secret)).not.toContain(
      SOURCE_SECRET_NAMES.cookies,
    );
    expect(logs).toContain('cookies not used (the job opted out)');
  });

  it('runs without cookies when the secret is not set, and the cookie-gated source refuses', async () => {
    const { code, logs } = await runWorkerProcess(envFor(gated.url));
    expect(code, logs).toBe(1);
    expect((lastResult() as JobFailed).error).toMatchObject({ code: 'SOURCE_FORBIDDEN', retryable: false });
    expect(logs).toContain('source secrets: cookies not set, proxy not set');
  });

  it('sends every source connection through the proxy secret, checked first, without printing it', async () => {
    secrets.set(SOURCE_SECRET_NAMES.proxyUrl, upstream.url);
    const before = upstream.connects.length;
    const { code, logs } = await runWorkerProcess(envFor(bed.media.url(bed.fixtures.progressiveMp4)));
    expect(code, logs).toBe(0);
    const seen = upstream.connects.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((c) => c.authority === new URL(bed.media.origin).host && c.authorized)).toBe(true);
    expect(everythingSeen(logs)).not.toContain(PROXY_PASSWORD);
    expect(everythingSeen(logs)).not.toContain(upstream.url);
    expect(everythingSeen(logs)).not.toContain(`:${upstream.port}`);
  });

  it('fails SOURCE_SECRETS_INVALID for a cookies secret that is not a Netscape file, without quoting it', async () => {
    secrets.set(SOURCE_SECRET_NAMES.cookies, `${SESSION.name}=${SESSION.value}; other=1`);
    const before = gated.requests.length;
    const { code, logs } = await runWorkerProcess(envFor(gated.url));
    expect(code, logs).toBe(1);
    const { error } = lastResult() as JobFailed;
    expect(error).toMatchObject({ code: 'SOURCE_SECRETS_INVALID', retryable: false });
    expect(error.message).toContain('Netscape');
    expect(everythingSeen(logs)).not.toContain(SESSION.value);
    expect(gated.requests.length).toBe(before);
  });

  it('fails SOURCE_SECRETS_UNAVAILABLE, not retryable, when its identity may not read the secrets', async () => {
    secrets.set(SOURCE_SECRET_NAMES.cookies, COOKIES_FILE);
    const before = gated.requests.length;
    const { code, logs } = await runWorkerProcess(
      envFor(gated.url, { [WORKER_ENV.identityClientId]: OTHER.clientId }),
    );
    expect(code, logs).toBe(1);
    const { error } = lastResult() as JobFailed;
    expect(error).toMatchObject({ code: 'SOURCE_SECRETS_UNAVAILABLE', retryable: false });
    expect(error.message).toMatch(
      /may not read the Key Vault secret "source-(cookies|proxy-url)" \(HTTP 403\)/,
    );
    // Nothing was fetched from the source without what the operator configured.
    expect(gated.requests.length).toBe(before);
    expect(local.vault.requests.some((r) => r.clientId === OTHER.clientId && r.status === 403)).toBe(true);
  });
});
