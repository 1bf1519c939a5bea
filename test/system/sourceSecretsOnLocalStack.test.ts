import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_IDS } from '../../emulator/stack/startLocalStack.js';
import { containerGroupName } from '../../src/shared/naming.js';
import { SOURCE_SECRET_NAMES, WORKER_ENV } from '../../src/shared/workerEnvironment.js';
import { startCookieGatedServer, type CookieGatedServer } from '../support/cookieGatedServer.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';
import { startUpstreamProxyServer, type UpstreamProxyServer } from '../support/upstreamProxyServer.js';

const SESSION = { name: 'mf_session', value: 'stack-c00kie-that-must-stay-secret-91be' };
const PROXY_PASSWORD = 'stack-proxy-pa55word-secret';

/**
 * The source secrets on the composed local stack: the files in the stack's secrets folder are served
 * by its Key Vault endpoint, the worker reads them with its identity, and neither the orchestration
 * history, the job's result, the container group nor the worker's logs ever hold them.
 */
describe('source secrets on the local stack', () => {
  let env: LocalTestStack;
  let gated: CookieGatedServer;
  let upstream: UpstreamProxyServer;

  const secretsIn = (text: string) =>
    [SESSION.value, PROXY_PASSWORD, upstream.url, `127.0.0.1:${upstream.port}`].filter((s) =>
      text.includes(s),
    );

  beforeAll(async () => {
    // Failed groups are kept (stopped), so the test can read the group spec and the worker's logs.
    env = await startLocalTestStack({ settings: { LIVENESS_POLL_SECONDS: '2', KEEP_FAILED_GROUPS: 'true' } });
    gated = await startCookieGatedServer({
      file: join(env.fixtures.dir, env.fixtures.progressiveMp4),
      cookie: SESSION,
    });
    upstream = await startUpstreamProxyServer({
      credentials: { user: 'mediaferry', password: PROXY_PASSWORD },
    });
    writeFileSync(
      join(env.stack.secretsDir, SOURCE_SECRET_NAMES.cookies),
      // No header line, as some exporters write it: the worker adds the one yt-dlp insists on.
      `127.0.0.1\tFALSE\t/\tFALSE\t4102444800\t${SESSION.name}\t${SESSION.value}\n`,
    );
    writeFileSync(join(env.stack.secretsDir, SOURCE_SECRET_NAMES.proxyUrl), `${upstream.url}\n`);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([gated?.close(), upstream?.close()]);
    await env?.stopExpectingNothingLeft();
  });

  async function history(id: string): Promise<string> {
    const response = await fetch(
      `${env.stack.hostOrigin}/runtime/webhooks/durabletask/instances/${id}?showHistory=true&showHistoryOutput=true&showInput=true`,
    );
    expect(response.status).toBe(200);
    return response.text();
  }

  it('runs a job on a cookie-gated source through the operator proxy, and keeps both out of history and result', async () => {
    const job = await env.submit({ url: gated.url, outputName: 'secrets/members' });
    const status = await env.wait(job.statusQueryGetUri, 90_000);
    expect(status.runtimeStatus, JSON.stringify(status)).toBe('Completed');
    expect(gated.requests.some((r) => r.withCookie && r.status === 200)).toBe(true);
    expect(
      upstream.connects.some((c) => c.authority === new URL(gated.origin).host && c.status === 200),
    ).toBe(true);
    const recorded = await history(job.id);
    expect(recorded).toContain('ExecutionCompleted');
    expect(secretsIn(recorded)).toEqual([]);
    expect(secretsIn(JSON.stringify(status))).toEqual([]);
    await env.groupGone(job.id);
  }, 120_000);

  it('honours useCookies: false; the kept group carries only the vault URI and the opt-out, and its logs no secret', async () => {
    const job = await env.submit({ url: gated.url, outputName: 'secrets/opted-out', useCookies: false });
    const status = await env.wait(job.statusQueryGetUri, 90_000);
    expect(status.runtimeStatus).toBe('Failed');
    expect(JSON.stringify(status)).toContain('SOURCE_FORBIDDEN');
    expect(secretsIn(JSON.stringify(status))).toEqual([]);
    expect(secretsIn(await history(job.id))).toEqual([]);

    const name = containerGroupName(job.id);
    const group = await env.aci.containerGroups.get(LOCAL_IDS.resourceGroup, name);
    const variables = group.containers[0]?.environmentVariables ?? [];
    expect(variables).toContainEqual({
      name: WORKER_ENV.sourceSecretsVaultUri,
      value: env.stack.vault.vaultUri,
    });
    expect(variables).toContainEqual({ name: WORKER_ENV.useCookies, value: 'false' });
    expect(secretsIn(JSON.stringify(group))).toEqual([]);
    const logs = await env.aci.containers.listLogs(LOCAL_IDS.resourceGroup, name, 'worker');
    expect(logs.content).toContain('cookies not used (the job opted out), proxy set');
    expect(secretsIn(logs.content ?? '')).toEqual([]);
    await env.aci.containerGroups.beginDeleteAndWait(LOCAL_IDS.resourceGroup, name);
    await env.groupGone(job.id);
  }, 120_000);

  it('serves the secrets to the worker identity only: the app identity gets 403', async () => {
    const read = (clientId: string) =>
      fetch(`${env.stack.vault.vaultUri}/secrets/${SOURCE_SECRET_NAMES.cookies}?api-version=7.5`, {
        headers: {
          authorization: `Bearer ${env.stack.identity.issuer.issue({ clientId }, 'https://vault.azure.net').accessToken}`,
        },
      });
    const asApp = await read(LOCAL_IDS.appClientId);
    expect(asApp.status).toBe(403);
    expect(secretsIn(await asApp.text())).toEqual([]);
    const asWorker = await read(LOCAL_IDS.workerClientId);
    expect(asWorker.status).toBe(200);
    expect(((await asWorker.json()) as { value: string }).value).toContain(SESSION.value);
  });
});
