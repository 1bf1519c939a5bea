import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../../emulator/azurite/startAzurite.js';
import { ensureLocalCertificate } from '../../../emulator/certs/localCertificate.js';
import { startIdentityEndpoint } from '../../../emulator/identity/startIdentityEndpoint.js';
import { startHostInTempDir, type TempDirHost } from '../../support/startHost.js';

const APP_DIR = join(import.meta.dirname, '..', '..', 'apps', 'blob-bindings');

let azurite: RunningAzurite;
let host: TempDirHost;
let blobs: BlobServiceClient;

const api = (path: string) => `${host.origin}/api/${path}`;

async function blobText(container: string, name: string): Promise<string | undefined> {
  const client = blobs.getContainerClient(container).getBlobClient(name);
  if (!(await client.exists())) return undefined;
  return (await client.downloadToBuffer()).toString('utf8');
}

async function blobNames(container: string): Promise<string[]> {
  const containerClient = blobs.getContainerClient(container);
  if (!(await containerClient.exists())) return [];
  const names: string[] = [];
  for await (const item of containerClient.listBlobsFlat()) names.push(item.name);
  return names;
}

beforeAll(async () => {
  azurite = await startAzurite();
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  // The app names its own connection; local.settings.json's AzureWebJobsStorage is not used by it.
  host = await startHostInTempDir({
    appDir: APP_DIR,
    args: ['--no-durable'],
    env: { NotesStorage: azurite.connectionString },
  });
});

afterAll(async () => {
  await host?.close();
  await azurite?.stop();
});

describe('blob output bindings on the local host', () => {
  it('writes a string output to the path resolved from the route and an app setting, creating the container', async () => {
    const written = await fetch(api('notes/groceries'), { method: 'PUT', body: 'milk, eggs' });
    expect(written.status).toBe(201);
    expect(await blobText('notes', 'groceries.txt')).toBe('milk, eggs');
  });

  it('writes a Buffer output byte for byte', async () => {
    const bytes = randomBytes(70_000);
    const written = await fetch(api('binaries/noise.bin'), { method: 'PUT', body: bytes });
    expect(written.status).toBe(201);
    const stored = await blobs.getContainerClient('binaries').getBlobClient('noise.bin').downloadToBuffer();
    expect(stored.equals(bytes)).toBe(true);
  });

  it('writes nothing when the function fails after setting the output', async () => {
    const failed = await fetch(api('notes/draft?fail=after-set'), { method: 'PUT', body: 'never stored' });
    expect(failed.status).toBe(500);
    expect(await blobText('notes', 'draft.txt')).toBeUndefined();
  });

  it('resolves {DateTime} and {rand-guid} to a new UTC-stamped, unique name per invocation', async () => {
    for (const n of [1, 2]) {
      const stamped = await fetch(api('stamp'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n }),
      });
      expect(stamped.status).toBe(202);
    }
    const names = await blobNames('stamped');
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(name).toMatch(
        /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$/,
      );
    }
    const bodies = await Promise.all(names.map((name) => blobText('stamped', name)));
    expect(bodies.map((body) => JSON.parse(body ?? 'null')).sort((a, b) => a.n - b.n)).toEqual([
      { n: 1 },
      { n: 2 },
    ]);
  });

  it('takes binding data from the JSON body and from {Query.name}', async () => {
    const saved = await fetch(api('saveForOwner?kind=invoice'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'ada' }),
    });
    expect(saved.status).toBe(201);
    expect(await blobText('owners', 'ada/invoice.txt')).toBe('saved for ada');
  });

  it('fails the invocation, writing nothing, when a path names a value the binding data lacks', async () => {
    const failed = await fetch(api('writeNowhere'), { method: 'POST' });
    expect(failed.status).toBe(500);
    expect(await blobNames('nowhere')).toEqual([]);
    expect(host.output()).toContain("No value for named parameter 'missingName'.");
  });
});

describe('blob input bindings on the local host', () => {
  it('reads a blob as text with dataType string', async () => {
    await blobs.getContainerClient('notes').createIfNotExists();
    await blobs.getContainerClient('notes').getBlockBlobClient('todo.txt').upload('water plants', 12);
    const read = await fetch(api('notes/todo'));
    expect(await read.json()).toEqual({ type: 'string', note: 'water plants' });
  });

  it('hands a missing blob to the function as no value, and the function still runs', async () => {
    const read = await fetch(api('notes/never-written'));
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ type: 'undefined' });
  });

  it('reads a blob as a Buffer by default and passes it on to an output binding unchanged', async () => {
    const bytes = randomBytes(4096);
    await blobs.getContainerClient('binaries').createIfNotExists();
    await blobs.getContainerClient('binaries').getBlockBlobClient('source.bin').uploadData(bytes);
    const copied = await fetch(api('binaries/source.bin/copy/target.bin'), { method: 'POST' });
    expect(await copied.json()).toEqual({ isBuffer: true, length: 4096 });
    const stored = await blobs.getContainerClient('copies').getBlobClient('target.bin').downloadToBuffer();
    expect(stored.equals(bytes)).toBe(true);
  });
});

describe('blob bindings over an identity-based connection', () => {
  it('reads and writes with the managed identity named by <connection>__blobServiceUri and __clientId', async () => {
    // The certificate test/globalSetup.ts made and trusts for every test process (and so for the host).
    const certificate = ensureLocalCertificate(process.env.MEDIAFERRY_TEST_CERT_DIR ?? '');
    const appIdentity = { clientId: '33333333-3333-3333-3333-333333333333' };
    const [secureAzurite, identity] = await Promise.all([
      startAzurite({ tls: { certPath: certificate.certPath, keyPath: certificate.keyPath } }),
      startIdentityEndpoint({ identities: [appIdentity] }),
    ]);
    let identityHost: TempDirHost | undefined;
    try {
      identityHost = await startHostInTempDir({
        appDir: APP_DIR,
        args: ['--no-durable'],
        env: {
          NotesStorage__blobServiceUri: secureAzurite.blobEndpoint,
          NotesStorage__clientId: appIdentity.clientId,
          IDENTITY_ENDPOINT: identity.identityEndpoint,
          IDENTITY_HEADER: identity.identityHeader,
        },
      });
      const written = await fetch(`${identityHost.origin}/api/notes/signed-in`, {
        method: 'PUT',
        body: 'via identity',
      });
      expect(written.status).toBe(201);
      const read = await fetch(`${identityHost.origin}/api/notes/signed-in`);
      expect(await read.json()).toEqual({ type: 'string', note: 'via identity' });
      const stored = await BlobServiceClient.fromConnectionString(secureAzurite.connectionString)
        .getContainerClient('notes')
        .getBlobClient('signed-in.txt')
        .downloadToBuffer();
      expect(stored.toString('utf8')).toBe('via identity');
      expect(identity.requests.some((r) => r.clientId === appIdentity.clientId && r.status === 200)).toBe(
        true,
      );
    } finally {
      await identityHost?.close();
      await Promise.all([secureAzurite.stop(), identity.stop()]);
    }
  }, 60_000);
});
