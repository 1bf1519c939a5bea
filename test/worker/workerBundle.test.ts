import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobResultSchema, type JobFailed } from '../../src/shared/contracts.js';
import { SOURCE_SECRET_NAMES, WORKER_ENV } from '../../src/shared/workerEnvironment.js';
import { startCallbackRecorder } from '../support/callbackRecorder.js';
import { startLocalKeyVault } from '../support/localKeyVault.js';

const bundle = join(import.meta.dirname, '../../dist/worker/main.mjs');
const isolatedDir = mkdtempSync(join(tmpdir(), 'mf-worker-bundle-'));
afterAll(() => rmSync(isolatedDir, { recursive: true, force: true }));

/** True when some folder from `dir` up to the root holds a node_modules Node could resolve from. */
function hasNodeModulesAbove(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, 'node_modules'))) return true;
    if (current === parse(current).root) return false;
  }
}

describe('the bundled worker (dist/worker/main.mjs)', () => {
  it('starts with no node_modules and exits 2 with the BAD_CONFIG message when its environment is invalid', () => {
    expect(existsSync(bundle), 'run `npm run build:worker` first').toBe(true);
    const copy = join(isolatedDir, 'main.mjs');
    copyFileSync(bundle, copy);
    expect(hasNodeModulesAbove(isolatedDir)).toBe(false);

    const run = spawnSync(process.execPath, [copy], {
      cwd: isolatedDir,
      env: { PATH: process.env.PATH ?? '', MF_SOURCE_URL: 'ftp://127.0.0.1/clip.mp4' },
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain("[worker] The worker's configuration is invalid:");
    expect(run.stderr).toContain('MF_INSTANCE_ID is missing');
    expect(run.stderr).toContain('MF_CALLBACK_URL is missing');
    expect(run.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
  });

  it('reads the source secrets from Key Vault with the bundled SDK clients, still with no node_modules', async () => {
    expect(existsSync(bundle), 'run `npm run build:worker` first').toBe(true);
    const copy = join(isolatedDir, 'main.mjs');
    copyFileSync(bundle, copy);
    const worker = { clientId: '55555555-5555-4555-8555-555555555555' };
    const token = 'bundle-test-callback-token-0123456789';
    const [local, callback] = await Promise.all([
      startLocalKeyVault({
        identities: [worker],
        readerClientIds: [worker.clientId],
        // Read, but unusable: the job then fails with a code only a successful read can produce.
        readSecret: (name) => (name === SOURCE_SECRET_NAMES.cookies ? 'not a cookies file' : undefined),
      }),
      startCallbackRecorder({ token }),
    ]);
    const { certificate, identity, vault } = local;
    try {
      const code = await new Promise<number | null>((resolveExit) => {
        const child = spawn(process.execPath, [copy], {
          cwd: isolatedDir,
          env: {
            PATH: process.env.PATH ?? '',
            [WORKER_ENV.instanceId]: 'bundle-job',
            [WORKER_ENV.sourceUrl]: 'http://127.0.0.1:9/clip.mp4',
            [WORKER_ENV.allowedPrivateSources]: '127.0.0.1:9',
            [WORKER_ENV.maxBytes]: '1000000',
            [WORKER_ENV.maxDurationSeconds]: '60',
            [WORKER_ENV.outputBlobName]: 'bundle-job/clip.mp4',
            [WORKER_ENV.mediaContainer]: 'media',
            [WORKER_ENV.mediaBlobEndpoint]: 'https://127.0.0.1:9/devstoreaccount1',
            [WORKER_ENV.identityClientId]: worker.clientId,
            [WORKER_ENV.callbackUrl]: callback.baseUrl,
            [WORKER_ENV.callbackToken]: token,
            [WORKER_ENV.reportDeadlineSeconds]: '10',
            [WORKER_ENV.sourceSecretsVaultUri]: vault.vaultUri,
            AZURE_POD_IDENTITY_AUTHORITY_HOST: identity.podIdentityAuthorityHost,
            NODE_EXTRA_CA_CERTS: certificate.certPath,
          },
          stdio: 'ignore',
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('close', (exitCode) => {
          clearTimeout(timer);
          resolveExit(exitCode);
        });
      });
      expect(code).toBe(1);
      const result = jobResultSchema.parse(callback.accepted('JobFinished').at(-1)?.body) as JobFailed;
      expect(result.error.code).toBe('SOURCE_SECRETS_INVALID');
      expect(vault.requests.some((r) => r.clientId === worker.clientId && r.status === 200)).toBe(true);
    } finally {
      await Promise.allSettled([local.stop(), callback.close()]);
    }
  }, 60_000);
});
