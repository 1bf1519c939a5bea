import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite/startAzurite.js';
import { ensureLocalCertificate, type LocalCertificate } from '../../emulator/certs/localCertificate.js';
import type { LocalIdentity } from '../../emulator/identity/localTokenIssuer.js';
import type { RunningIdentityEndpoint } from '../../emulator/identity/startIdentityEndpoint.js';
import { withIdentityEndpoint } from './withIdentityEndpoint.js';

export interface TlsStorageWithIdentity {
  /** A fresh certificate Azurite serves TLS with (clients trust `certificate.certPath`). */
  certificate: LocalCertificate;
  azurite: RunningAzurite;
  /** The identity endpoint whose tokens Azurite takes. */
  identity: RunningIdentityEndpoint;
  /** Stops both (each even if the other fails to) and deletes the certificate's folder. */
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
  const services = await withIdentityEndpoint(
    identities,
    async () => ({
      azurite: await startAzurite({ tls: { certPath: certificate.certPath, keyPath: certificate.keyPath } }),
    }),
    () => rmSync(dataDir, { recursive: true, force: true }),
  );
  return { certificate, ...services };
}
