import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite/startAzurite.js';
import { ensureLocalCertificate, type LocalCertificate } from '../../emulator/certs/localCertificate.js';
import {
  startIdentityEndpoint,
  type RunningIdentityEndpoint,
} from '../../emulator/identity/startIdentityEndpoint.js';
import { jobResultSchema, type JobFailed, type JobSucceeded } from '../../src/shared/contracts.js';
import { startCallbackRecorder, type CallbackRecorder } from '../support/callbackRecorder.js';
import { mediaFixtures, type MediaFixtures } from '../support/mediaFixtures.js';
import { startMediaServer, type MediaServer } from '../support/mediaServer.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { CALLBACK_TOKEN } from './support/workerTestBed.js';

const WORKER_IDENTITY = {
  clientId: '22222222-2222-4222-8222-222222222222',
  resourceId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/worker',
};
const CONTAINER = 'media';

let dataDir: string;
let certificate: LocalCertificate;
let azurite: RunningAzurite;
let identity: RunningIdentityEndpoint;
let fixtures: MediaFixtures;
let media: MediaServer;
let callback: CallbackRecorder;

/** Storage token for the worker's identity, fetched the IMDS way. */
async function storageToken(): Promise<string> {
  const url = new URL('/metadata/identity/oauth2/token', identity.podIdentityAuthorityHost);
  url.search = new URLSearchParams({
    'api-version': '2018-02-01',
    resource: 'https://storage.azure.com',
    client_id: WORKER_IDENTITY.clientId,
  }).toString();
  const response = await fetch(url, { headers: { Metadata: 'true' } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** An HTTPS call to Azurite trusting the local certificate (this process was not started with it). */
function blobRequest(method: string, path: string): Promise<{ status: number; body: Buffer }> {
  return storageToken().then(
    (token) =>
      new Promise((resolve, reject) => {
        const req = request(
          `${azurite.blobEndpoint}/${path}`,
          {
            method,
            ca: certificate.cert,
            headers: { Authorization: `Bearer ${token}`, 'x-ms-version': '2021-08-06', 'Content-Length': 0 },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          },
        );
        req.on('error', reject);
        req.end();
      }),
  );
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mediaferry-worker-mi-'));
  certificate = ensureLocalCertificate(dataDir);
  fixtures = await mediaFixtures();
  [azurite, identity, media, callback] = await Promise.all([
    startAzurite({ tls: { certPath: certificate.certPath, keyPath: certificate.keyPath } }),
    startIdentityEndpoint({ identities: [WORKER_IDENTITY] }),
    startMediaServer({ root: fixtures.dir }),
    startCallbackRecorder({ token: CALLBACK_TOKEN }),
  ]);
  const created = await blobRequest('PUT', `${CONTAINER}?restype=container`);
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await Promise.allSettled([azurite?.stop(), identity?.stop(), media?.close(), callback?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

function identityEnv(blobName: string, clientId: string) {
  return {
    MF_INSTANCE_ID: blobName.split('/')[0],
    MF_ALLOW_PRIVATE_SOURCES: 'true',
    MF_SOURCE_URL: media.url(fixtures.progressiveMp4),
    MF_ALLOWED_PRIVATE_SOURCES: new URL(media.origin).host,
    MF_MAX_BYTES: String(50 * 1024 * 1024),
    MF_MAX_DURATION_SECONDS: '600',
    MF_OUTPUT_BLOB_NAME: blobName,
    MF_MEDIA_CONTAINER: CONTAINER,
    MF_MEDIA_BLOB_ENDPOINT: azurite.blobEndpoint,
    MF_IDENTITY_CLIENT_ID: clientId,
    MF_CALLBACK_URL: callback.baseUrl,
    MF_CALLBACK_TOKEN: CALLBACK_TOKEN,
    MF_REPORT_DEADLINE_SECONDS: '20',
    // What the local ACI emulator gives a container: an IMDS-style host and trust in the local CA.
    AZURE_POD_IDENTITY_AUTHORITY_HOST: identity.podIdentityAuthorityHost,
    NODE_EXTRA_CA_CERTS: certificate.certPath,
  };
}

describe('worker uploads with its managed identity', { timeout: 120_000 }, () => {
  it('gets an IMDS token for its user-assigned identity and writes the blob over HTTPS with OAuth', async () => {
    const { code, logs } = await runWorkerProcess(identityEnv('mi/clip.mp4', WORKER_IDENTITY.clientId));
    expect(code, logs).toBe(0);
    const result = jobResultSchema.parse(callback.accepted('JobFinished').at(-1)?.body) as JobSucceeded;
    const output = result.outputs[0]!;
    expect(output.url).toBe(`${azurite.blobEndpoint}/${CONTAINER}/mi/clip.mp4`);
    const blob = await blobRequest('GET', `${CONTAINER}/mi/clip.mp4`);
    expect(blob.status).toBe(200);
    expect(createHash('sha256').update(blob.body).digest('hex')).toBe(output.sha256);
    expect(
      identity.requests.some(
        (r) => r.flavor === 'Imds' && r.clientId === WORKER_IDENTITY.clientId && r.status === 200,
      ),
    ).toBe(true);
  });

  it('fails UPLOAD_FAILED, leaving no blob, when its identity is not known to the token endpoint', async () => {
    const { code, logs } = await runWorkerProcess(
      identityEnv('mi/unknown-identity.mp4', '99999999-9999-4999-8999-999999999999'),
    );
    expect(code, logs).toBe(1);
    const result = jobResultSchema.parse(callback.accepted('JobFinished').at(-1)?.body) as JobFailed;
    expect(result.error).toMatchObject({ code: 'UPLOAD_FAILED', retryable: false });
    expect(result.error.message).toMatch(/ManagedIdentityCredential: Authentication failed/);
    expect((await blobRequest('HEAD', `${CONTAINER}/mi/unknown-identity.mp4`)).status).toBe(404);
  });
});
