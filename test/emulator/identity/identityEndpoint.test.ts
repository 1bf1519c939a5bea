import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAzurite } from '../../../emulator/azurite/startAzurite.js';
import type { LocalCertificate } from '../../../emulator/certs/localCertificate.js';
import type { RunningIdentityEndpoint } from '../../../emulator/identity/startIdentityEndpoint.js';
import {
  startTlsStorageWithIdentity,
  type TlsStorageWithIdentity,
} from '../../support/tlsStorageWithIdentity.js';

const APP = { clientId: '11111111-1111-4111-8111-111111111111' };
const WORKER = {
  clientId: '22222222-2222-4222-8222-222222222222',
  resourceId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/worker',
};
const CLIENT_SCRIPT = join(import.meta.dirname, 'fixtures/managedIdentityClient.mjs');

interface ClientResult {
  claims?: Record<string, unknown>;
  expiresOnTimestamp?: number;
  downloaded?: string;
  wrongAudience?: unknown;
  error?: { name: string; message: string };
}

function runClient(env: Record<string, string>, args: Record<string, unknown>): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLIENT_SCRIPT, JSON.stringify(args)],
      // A clean environment: only what a Functions host or a container would provide.
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ClientResult);
      },
    );
  });
}

describe('local managed identity endpoint', () => {
  let storage: TlsStorageWithIdentity;
  let certificate: LocalCertificate;
  let azurite: RunningAzurite;
  let identity: RunningIdentityEndpoint;

  beforeAll(async () => {
    storage = await startTlsStorageWithIdentity('mf-identity-', [APP, WORKER]);
    ({ certificate, azurite, identity } = storage);
  });

  afterAll(() => storage?.stop());

  /**
   * Runs the client with `env` (and trust in the local certificate) to write `text` to a blob on Azurite
   * and read it back, and checks that it did.
   */
  async function writesBlob(
    env: Record<string, string>,
    target: { clientId: string; containerName: string; blobName: string },
    text: string,
  ): Promise<ClientResult> {
    const result = await runClient(
      { ...env, NODE_EXTRA_CA_CERTS: certificate.certPath },
      { ...target, blobEndpoint: azurite.blobEndpoint, text },
    );
    expect(result.error).toBeUndefined();
    expect(result.downloaded).toBe(text);
    return result;
  }

  it('gives the app an App Service style token that writes a blob to Azurite over HTTPS with OAuth', async () => {
    const result = await writesBlob(
      { IDENTITY_ENDPOINT: identity.identityEndpoint, IDENTITY_HEADER: identity.identityHeader },
      { clientId: APP.clientId, containerName: 'app-media', blobName: 'hello.txt' },
      'written by the app identity',
    );
    expect(result.claims).toMatchObject({
      aud: 'https://storage.azure.com',
      iss: identity.issuer.issuer,
      appid: APP.clientId,
    });
    expect(result.wrongAudience).toMatchObject({ statusCode: 403 });
    expect(identity.requests.some((r) => r.flavor === 'AppService' && r.clientId === APP.clientId)).toBe(
      true,
    );
  });

  it('gives a container an IMDS style token through AZURE_POD_IDENTITY_AUTHORITY_HOST', async () => {
    const result = await writesBlob(
      { AZURE_POD_IDENTITY_AUTHORITY_HOST: identity.podIdentityAuthorityHost },
      { clientId: WORKER.clientId, containerName: 'worker-media', blobName: 'out.txt' },
      'written by the worker identity',
    );
    expect(result.claims).toMatchObject({ appid: WORKER.clientId, xms_mirid: WORKER.resourceId });
    expect(result.expiresOnTimestamp).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(identity.requests.some((r) => r.flavor === 'Imds' && r.clientId === WORKER.clientId)).toBe(true);
  });

  it('refuses a client id that is not a known identity, and the credential reports it', async () => {
    const unknown = '33333333-3333-4333-8333-333333333333';
    const raw = await fetch(
      `${identity.podIdentityAuthorityHost}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com&client_id=${unknown}`,
      { headers: { Metadata: 'true' } },
    );
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining(unknown),
    });

    const result = await runClient(
      { IDENTITY_ENDPOINT: identity.identityEndpoint, IDENTITY_HEADER: identity.identityHeader },
      { clientId: unknown },
    );
    expect(result.error?.name).toBe('CredentialUnavailableError');
    expect(result.error?.message).toContain('Identity not found');
  });

  it('answers App Service requests without the right X-IDENTITY-HEADER with 401', async () => {
    const url = `${identity.identityEndpoint}?api-version=2019-08-01&resource=https://storage.azure.com&client_id=${APP.clientId}`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { 'X-IDENTITY-HEADER': 'wrong' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { 'X-IDENTITY-HEADER': identity.identityHeader } });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, string>;
    expect(body).toMatchObject({ resource: 'https://storage.azure.com', token_type: 'Bearer' });
    expect(Number(body.expires_on)).toBeGreaterThan(Date.now() / 1000);
  });

  it('answers IMDS requests without the Metadata header with 400, as IMDS does', async () => {
    const res = await fetch(
      `${identity.podIdentityAuthorityHost}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com`,
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_description: 'Required metadata header not specified' });
  });

  it('issues tokens whose signature and audience the issuer verifies', async () => {
    const res = await fetch(
      `${identity.podIdentityAuthorityHost}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/&client_id=${WORKER.clientId}`,
      { headers: { Metadata: 'true' } },
    );
    const { access_token: token } = (await res.json()) as { access_token: string };
    expect(identity.issuer.verify(token, 'https://management.azure.com').appid).toBe(WORKER.clientId);
    expect(() => identity.issuer.verify(token, 'https://storage.azure.com')).toThrow(/wrong audience/);
    const [header, payload] = token.split('.');
    expect(() =>
      identity.issuer.verify(`${header}.${payload}.forged`, 'https://management.azure.com'),
    ).toThrow(/invalid signature/);
  });
});
