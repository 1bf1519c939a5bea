import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite/startAzurite.js';
import { ensureLocalCertificate } from '../../emulator/certs/localCertificate.js';
import { startIdentityEndpoint } from '../../emulator/identity/startIdentityEndpoint.js';
import {
  CallbackSigningKeySource,
  SIGNING_KEY_BLOB,
  SIGNING_KEY_CONTAINER,
} from '../../src/app/callback/callbackSigningKey.js';
import { CallbackTokens, signCallbackToken } from '../../src/app/callback/callbackToken.js';
import { validAppSettings } from './support/appSettings.js';

const run = promisify(execFile);
const PRINT_TOKEN = join(import.meta.dirname, 'fixtures/printCallbackToken.ts');
/** The run creation time the token fixture signs when given none. */
const RUN_CREATED = '2026-01-01T00:00:00.000Z';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite?.stop());

/** Starts a new app process with these settings and returns the token it issues for `instanceId`. */
async function tokenFromFreshProcess(settings: NodeJS.ProcessEnv, instanceId: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', PRINT_TOKEN, instanceId], {
    env: { PATH: process.env.PATH, ...settings },
    timeout: 30_000,
  });
  return stdout.trim();
}

async function storedKey(service: BlobServiceClient): Promise<Buffer> {
  const blob = service.getContainerClient(SIGNING_KEY_CONTAINER).getBlobClient(SIGNING_KEY_BLOB);
  return Buffer.from((await blob.downloadToBuffer()).toString('utf8'), 'base64');
}

describe('callback signing key kept in the host storage account', () => {
  it('is generated once and reused by two fresh app processes', async () => {
    const settings = validAppSettings({
      CALLBACK_SIGNING_KEY: undefined,
      AzureWebJobsStorage: azurite.connectionString,
    });
    const first = await tokenFromFreshProcess(settings, 'job-a');
    const second = await tokenFromFreshProcess(settings, 'job-a');
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second).toBe(first);

    const key = await storedKey(BlobServiceClient.fromConnectionString(azurite.connectionString));
    expect(key).toHaveLength(32);
    expect(first).toBe(
      createHmac('sha256', key).update('job-a\n2026-01-01T00:00:00.000Z').digest('base64url'),
    );
    // A different job, or another run of the same job, gets a different token from the same key.
    expect(signCallbackToken(key, { instanceId: 'job-b', createdTime: RUN_CREATED })).not.toBe(first);
    expect(signCallbackToken(key, { instanceId: 'job-a', createdTime: '2026-01-01T00:00:00.001Z' })).not.toBe(
      first,
    );
  }, 120_000);

  it('is not used when CALLBACK_SIGNING_KEY is set, and storage is not needed then', async () => {
    const configured = 'configured-signing-key-0123456789abcdef';
    const token = await tokenFromFreshProcess(
      validAppSettings({ CALLBACK_SIGNING_KEY: configured, AzureWebJobsStorage: undefined }),
      'job-a',
    );
    expect(token).toBe(
      signCallbackToken(Buffer.from(configured), { instanceId: 'job-a', createdTime: RUN_CREATED }),
    );
  });

  it('yields one key when many instances use it for the first time at once', async () => {
    // A fresh account: no key blob yet, not even the container.
    const fresh = await startAzurite();
    try {
      const sources = Array.from(
        { length: 8 },
        () =>
          new CallbackSigningKeySource({
            blobService: () => BlobServiceClient.fromConnectionString(fresh.connectionString),
          }),
      );
      const keys = await Promise.all(sources.map((s) => s.key()));
      const distinct = new Set(keys.map((k) => k.toString('hex')));
      expect(distinct.size).toBe(1);
      const stored = await storedKey(BlobServiceClient.fromConnectionString(fresh.connectionString));
      expect(stored.equals(keys[0] as Buffer)).toBe(true);
    } finally {
      await fresh.stop();
    }
  });

  it('reads storage once per process and caches the key', async () => {
    let clientsMade = 0;
    const source = new CallbackSigningKeySource({
      blobService: () => {
        clientsMade += 1;
        return BlobServiceClient.fromConnectionString(azurite.connectionString);
      },
    });
    const tokens = new CallbackTokens(source);
    const run = { instanceId: 'job-x', createdTime: RUN_CREATED };
    const [a, b] = await Promise.all([tokens.tokenFor(run), tokens.tokenFor(run)]);
    await tokens.verify(run, a);
    expect(b).toBe(a);
    expect(clientsMade).toBe(1);
  });

  it('fails with a retryable SIGNING_KEY_UNAVAILABLE when storage cannot be reached, then recovers', async () => {
    let reachable = false;
    const source = new CallbackSigningKeySource({
      blobService: () =>
        BlobServiceClient.fromConnectionString(
          reachable ? azurite.connectionString : azurite.connectionString.replace(`:${azurite.port}/`, ':1/'),
          { retryOptions: { maxTries: 1 } },
        ),
    });
    await expect(source.key()).rejects.toMatchObject({ code: 'SIGNING_KEY_UNAVAILABLE', retryable: true });
    reachable = true;
    expect(await source.key()).toHaveLength(32);
  });
});

describe('callback signing key with identity-based host storage', () => {
  it('is created through the app identity (AzureWebJobsStorage__blobServiceUri + __clientId) and shared with connection-string readers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-signing-key-'));
    const certificate = ensureLocalCertificate(dataDir);
    const appIdentity = { clientId: '22222222-2222-2222-2222-222222222222' };
    const [secureAzurite, identity] = await Promise.all([
      startAzurite({ tls: { certPath: certificate.certPath, keyPath: certificate.keyPath } }),
      startIdentityEndpoint({ identities: [appIdentity] }),
    ]);
    try {
      const common = validAppSettings({
        CALLBACK_SIGNING_KEY: undefined,
        NODE_EXTRA_CA_CERTS: certificate.certPath,
      });
      const viaIdentity = await tokenFromFreshProcess(
        {
          ...common,
          AzureWebJobsStorage__blobServiceUri: secureAzurite.blobEndpoint,
          AzureWebJobsStorage__clientId: appIdentity.clientId,
          IDENTITY_ENDPOINT: identity.identityEndpoint,
          IDENTITY_HEADER: identity.identityHeader,
        },
        'job-mi',
      );
      const viaConnectionString = await tokenFromFreshProcess(
        { ...common, AzureWebJobsStorage: secureAzurite.connectionString },
        'job-mi',
      );
      expect(viaIdentity).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(viaConnectionString).toBe(viaIdentity);
      expect(identity.requests.some((r) => r.clientId === appIdentity.clientId && r.status === 200)).toBe(
        true,
      );
    } finally {
      await Promise.all([secureAzurite.stop(), identity.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
