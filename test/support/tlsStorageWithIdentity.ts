import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite/startAzurite.js';
import { ensureLocalCertificate, type LocalCertificate } from '../../emulator/certs/localCertificate.js';
import type { LocalIdentity } from '../../emulator/identity/localTokenIssuer.js';
import {
  startIdentityEndpoint,
  type RunningIdentityEndpoint,
} from '../../emulator/identity/startIdentityEndpoint.js';

export interface TlsStorageWithIdentity {
  /** A fresh certificate Azurite serves TLS with (clients trust `certificate.certPath`). */
  certificate: LocalCertificate;
  azurite: RunningAzurite;
  /** The identity endpoint whose tokens Azurite takes. */
  identity: RunningIdentityEndpoint;
  /** Stops both and deletes the certificate's folder. */
  stop(): Promise<void>;
}

/**
 * Azurite over TLS (managed-identity tokens need https) on a fresh certificate, with an identity
 * endpoint that knows `identities`; the folder holding the certificate is named from `prefix`.
 */
export async function startTlsStorageWithIdentity(
  prefix: string,
  identities: LocalIdentity[],
): Promise<TlsStorageWithIdentity> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const certificate = ensureLocalCertificate(dataDir);
  const [azurite, identity] = await Promise.all([
    startAzurite({ tls: { certPath: certificate.certPath, keyPath: certificate.keyPath } }),
    startIdentityEndpoint({ identities }),
  ]);
  return {
    certificate,
    azurite,
    identity,
    async stop() {
      await Promise.all([azurite.stop(), identity.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
