import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import {
  startAciEmulator,
  type AciEmulatorOptions,
  type RunningAciEmulator,
} from '../aci/startAciEmulator.js';
import type { ImageCommand } from '../aci/imageCommands.js';
import { startAzurite, type RunningAzurite } from '../azurite/startAzurite.js';
import { ensureLocalCertificate, type LocalCertificate } from '../certs/localCertificate.js';
import { startEmailCapture, type RunningEmailCapture } from '../email/startEmailCapture.js';
import { startIdentityEndpoint, type RunningIdentityEndpoint } from '../identity/startIdentityEndpoint.js';
import { startKeyVaultEndpoint, type RunningKeyVaultEndpoint } from '../keyvault/startKeyVaultEndpoint.js';
import { startHostProcess, type HostProcess } from '../host/hostProcess.js';
import { APP_SETTINGS } from '../../src/app/appSettings.js';
import { SOURCE_SECRET_NAMES } from '../../src/shared/workerEnvironment.js';
import { INCOMING_CONTAINER } from '../../src/shared/blobSource.js';
import { webLibraryCorsRule } from '../../src/shared/webLibraryCors.js';

/** Fixed local identities: stable ids so local.settings and logs read the same every run. */
export const LOCAL_IDS = {
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  resourceGroup: 'mediaferry-jobs',
  appClientId: '22222222-2222-2222-2222-222222222222',
  workerClientId: '11111111-1111-1111-1111-111111111111',
  workerImage: 'mediaferrylocal.azurecr.io/mediaferry-worker:latest',
  mediaContainer: 'media',
  /** From address of notification mails on the local stack. */
  emailSender: 'DoNotReply@mediaferry.local',
} as const;
/** The worker image runs as the bundled worker (`npm run build:worker`) under this node. */
export function workerImageCommand(repoRoot: string): ImageCommand {
  return { command: process.execPath, args: [join(repoRoot, 'dist/worker/main.mjs')] };
}

const WORKER_IDENTITY_RESOURCE_ID = `/subscriptions/${LOCAL_IDS.subscriptionId}/resourceGroups/${LOCAL_IDS.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-mediaferry-worker`;

export interface LocalStackOptions {
  /** The function app folder (this repository, built). */
  appDir: string;
  /** State of every part (certificate, blobs, durable store); default <appDir>/.mediaferry. */
  dataDir?: string;
  /** Port of the Functions host; default 7071, 0 picks a free one. */
  hostPort?: number;
  /** The HTTPS certificate; default: the one kept in the data folder (made on first start). */
  certificate?: LocalCertificate;
  /** Keep blobs in memory (tests). */
  inMemoryStorage?: boolean;
  /** App settings that override the local defaults (e.g. a shorter liveness poll in tests). */
  settings?: Record<string, string>;
  /** ACI emulator tuning: faults, quota, provisioning delay. */
  aci?: Pick<
    AciEmulatorOptions,
    'faults' | 'quota' | 'provisioningDelayMs' | 'stopGraceMs' | 'images' | 'containerEnvironment'
  >;
  /** Where the host's and the stack's lines go; default: nowhere. */
  log?: (line: string) => void;
}

export interface LocalStack {
  /** e.g. http://localhost:7071 — where the app's functions answer. */
  hostOrigin: string;
  certificate: LocalCertificate;
  azurite: RunningAzurite;
  identity: RunningIdentityEndpoint;
  /** The source secrets vault; only the worker identity may read it. */
  vault: RunningKeyVaultEndpoint;
  /** Folder whose files are the vault's secrets (`source-cookies`, `source-proxy-url`), read on every request. */
  secretsDir: string;
  aci: RunningAciEmulator;
  /** The local Azure Communication Services Email endpoint; it keeps every mail the app sends. */
  email: RunningEmailCapture;
  host: HostProcess;
  /** The app settings the host was started with. */
  settings: Record<string, string>;
  /**
   * Stops the Functions host (SIGTERM, or SIGKILL with `kill: true`, as a crash would) and starts it
   * again on the same port and data folder; `downMs` keeps it down that long first. `host` then
   * names the new process.
   */
  restartHost(options?: { kill?: boolean; downMs?: number }): Promise<HostProcess>;
  /** Stops only the host (as restartHost does), leaving it down until `startHost`. */
  stopHost(options?: { kill?: boolean }): Promise<void>;
  /** Starts the host again after `stopHost`. */
  startHost(): Promise<HostProcess>;
  /** Stops the host, the containers, the emulators and Azurite; leaves no process behind. */
  stop(): Promise<void>;
}

/**
 * Brings up the whole local Azure stack and runs the unmodified function app on it: Azurite over
 * HTTPS with OAuth, a managed identity endpoint, the ACI emulator running workers as local
 * processes, and the local Functions + Durable host. Everything is wired by settings only.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const appDir = resolve(options.appDir);
  const dataDir = resolve(options.dataDir ?? join(appDir, '.mediaferry'));
  const log = options.log ?? (() => {});
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => {});
  };

  try {
    const certificate = options.certificate ?? ensureLocalCertificate(dataDir);
    const azurite = await startAzurite({
      tls: certificate,
      ...(options.inMemoryStorage ? {} : { dataDir: join(dataDir, 'azurite') }),
    });
    started.push(azurite);
    log(`Azurite (blob, HTTPS + OAuth): ${azurite.blobEndpoint}`);

    const appIdentity = { clientId: LOCAL_IDS.appClientId };
    const workerIdentity = { clientId: LOCAL_IDS.workerClientId, resourceId: WORKER_IDENTITY_RESOURCE_ID };
    const identity = await startIdentityEndpoint({ identities: [appIdentity, workerIdentity] });
    started.push(identity);
    log(`Managed identity endpoint: ${identity.origin}`);

    await createBlobContainer(azurite.blobEndpoint, LOCAL_IDS.mediaContainer, certificate, identity);
    // Uploads land here; a blob created in it starts a job (the app's startUploadJob blob trigger).
    await createBlobContainer(azurite.blobEndpoint, INCOMING_CONTAINER, certificate, identity);

    const secretsDir = join(dataDir, 'secrets');
    mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    const vault = await startKeyVaultEndpoint({
      tls: certificate,
      issuer: identity.issuer,
      // As the secret-level role assignments in Bicep: the worker identity reads, the app does not.
      readerClientIds: [LOCAL_IDS.workerClientId],
      readSecret: (name) => readSecretFile(secretsDir, name),
    });
    started.push(vault);
    log(`Key Vault (source secrets, HTTPS): ${vault.vaultUri}, secrets read from ${secretsDir}`);

    const aci = await startAciEmulator({
      certificate,
      dataDir,
      tokenIssuer: identity.issuer,
      identities: [appIdentity, workerIdentity],
      // Each group's IMDS serves only the identities attached to it, and only the app may call ARM.
      identityEndpoint: identity,
      authorizedClientIds: [LOCAL_IDS.appClientId],
      ...options.aci,
      // Extra images add to the worker's mapping rather than replace it.
      images: { [LOCAL_IDS.workerImage]: workerImageCommand(appDir), ...options.aci?.images },
    });
    started.push(aci);
    log(`ACI emulator (ARM over HTTPS): ${aci.endpoint}`);

    const email = await startEmailCapture({
      certificate,
      tokenIssuer: identity.issuer,
      authorizedClientIds: [LOCAL_IDS.appClientId],
      ...(options.inMemoryStorage ? {} : { dir: join(dataDir, 'mail') }),
    });
    started.push(email);
    log(
      `Email capture (ACS Email API over HTTPS): ${email.endpoint}` +
        (options.inMemoryStorage ? '' : `; mails are saved in ${join(dataDir, 'mail')}`),
    );

    const port = options.hostPort === 0 ? await freePort() : (options.hostPort ?? 7071);
    await allowBlobCorsFrom(
      azurite.blobEndpoint,
      [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
      certificate,
      identity,
    );
    const settings: Record<string, string> = {
      FUNCTIONS_WORKER_RUNTIME: 'node',
      DURABLE_TASK_HUB: 'mediaferry',
      AzureWebJobsStorage__blobServiceUri: azurite.blobEndpoint,
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: LOCAL_IDS.appClientId,
      AZURE_SUBSCRIPTION_ID: LOCAL_IDS.subscriptionId,
      JOBS_RESOURCE_GROUP: LOCAL_IDS.resourceGroup,
      JOBS_LOCATION: 'local',
      WORKER_IMAGE: LOCAL_IDS.workerImage,
      WORKER_IDENTITY_RESOURCE_ID,
      WORKER_IDENTITY_CLIENT_ID: LOCAL_IDS.workerClientId,
      APP_IDENTITY_CLIENT_ID: LOCAL_IDS.appClientId,
      ARM_ENDPOINT: aci.endpoint,
      MEDIA_BLOB_ENDPOINT: azurite.blobEndpoint,
      MEDIA_CONTAINER: LOCAL_IDS.mediaContainer,
      SOURCE_SECRETS_VAULT_URI: vault.vaultUri,
      // The media account's identity-based connection for the upload trigger, as Bicep sets it.
      MediaStorage__blobServiceUri: azurite.blobEndpoint,
      MediaStorage__credential: 'managedidentity',
      MediaStorage__clientId: LOCAL_IDS.appClientId,
      // Azurite emits no Event Grid events: the host lists incoming this often.
      MEDIAFERRY_BLOB_POLL_MS: '1000',
      CALLBACK_BASE_URL: `http://127.0.0.1:${port}`,
      ACS_ENDPOINT: email.endpoint,
      EMAIL_SENDER_ADDRESS: LOCAL_IDS.emailSender,
      // Local sources (the demo's clip, test media) live on loopback.
      ALLOW_PRIVATE_SOURCES: 'true',
      LIVENESS_POLL_SECONDS: '5',
      // The janitor's timer schedule is a %setting% reference, which the host needs set.
      JANITOR_SCHEDULE:
        APP_SETTINGS.find((spec) => spec.name === 'JANITOR_SCHEDULE')?.default ?? '0 */10 * * * *',
      ...options.settings,
    };
    const launchHost = () =>
      startHostProcess({
        appDir,
        port,
        dataDir: join(dataDir, 'host'),
        env: {
          ...settings,
          // What Azure provides to a Functions app with a managed identity, and trust for the local CA.
          IDENTITY_ENDPOINT: identity.identityEndpoint,
          IDENTITY_HEADER: identity.identityHeader,
          NODE_EXTRA_CA_CERTS: certificate.certPath,
        },
        onOutput: (line) => log(line),
      });
    let host: HostProcess | undefined = await launchHost();
    // The stack stops whichever host process is current when it stops.
    started.push({ stop: async () => host?.stop() });

    const stopHost = async (stopOptions: { kill?: boolean } = {}) => {
      const current = host;
      host = undefined;
      if (current) await (stopOptions.kill ? current.kill('SIGKILL') : current.stop());
    };
    const startHost = async () => {
      if (host) throw new Error('The host is already running; stop it first.');
      host = await launchHost();
      return host;
    };

    return {
      hostOrigin: `http://localhost:${port}`,
      certificate,
      azurite,
      identity,
      vault,
      secretsDir,
      aci,
      email,
      get host() {
        if (!host) throw new Error('The host is stopped.');
        return host;
      },
      settings,
      stopHost,
      startHost,
      async restartHost(restartOptions = {}) {
        await stopHost(restartOptions);
        if (restartOptions.downMs) await new Promise((r) => setTimeout(r, restartOptions.downMs));
        return startHost();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A source secret kept as a file named after it; no file means the secret does not exist. */
function readSecretFile(dir: string, name: string): string | undefined {
  if (!(Object.values(SOURCE_SECRET_NAMES) as string[]).includes(name)) return undefined;
  const path = join(dir, name);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Creates a blob container with an OAuth token, as provisioning (Bicep) does in Azure. */
/** One request to the local blob service as the stack's provisioner (what Bicep does in Azure). */
async function provisionBlobService(
  blobEndpoint: string,
  certificate: LocalCertificate,
  identity: RunningIdentityEndpoint,
  what: string,
  pathAndQuery: string,
  body = '',
): Promise<number> {
  const token = identity.issuer.issue(
    { clientId: 'mediaferry-local-provisioner' },
    'https://storage.azure.com',
  );
  const url = new URL(`${blobEndpoint}${pathAndQuery}`);
  return new Promise<number>((resolveStatus, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'PUT',
        ca: certificate.cert,
        headers: {
          authorization: `Bearer ${token.accessToken}`,
          'x-ms-version': '2021-12-02',
          'x-ms-date': new Date().toUTCString(),
          'content-length': Buffer.byteLength(body),
          ...(body ? { 'content-type': 'application/xml' } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        resolveStatus(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Timed out ${what}`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function createBlobContainer(
  blobEndpoint: string,
  name: string,
  certificate: LocalCertificate,
  identity: RunningIdentityEndpoint,
): Promise<void> {
  const what = `creating blob container ${name}`;
  const status = await provisionBlobService(
    blobEndpoint,
    certificate,
    identity,
    what,
    `/${name}?restype=container`,
  );
  if (status !== 201 && status !== 409) throw new Error(`${what} failed with HTTP ${status}`);
}

/**
 * Blob CORS for the web library, as Bicep sets it on the media account: its pages play media and
 * upload files straight from and to storage through read and upload links.
 */
async function allowBlobCorsFrom(
  blobEndpoint: string,
  origins: string[],
  certificate: LocalCertificate,
  identity: RunningIdentityEndpoint,
): Promise<void> {
  const rule = webLibraryCorsRule(origins);
  const xml =
    '<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties><Cors><CorsRule>' +
    `<AllowedOrigins>${rule.allowedOrigins.join(',')}</AllowedOrigins>` +
    `<AllowedMethods>${rule.allowedMethods.join(',')}</AllowedMethods>` +
    `<AllowedHeaders>${rule.allowedHeaders.join(',')}</AllowedHeaders>` +
    `<ExposedHeaders>${rule.exposedHeaders.join(',')}</ExposedHeaders>` +
    `<MaxAgeInSeconds>${rule.maxAgeInSeconds}</MaxAgeInSeconds>` +
    '</CorsRule></Cors></StorageServiceProperties>';
  const what = 'setting blob CORS';
  const status = await provisionBlobService(
    blobEndpoint,
    certificate,
    identity,
    what,
    '/?restype=service&comp=properties',
    xml,
  );
  if (status !== 202) throw new Error(`${what} failed with HTTP ${status}`);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
