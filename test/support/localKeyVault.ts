import { ensureLocalCertificate, type LocalCertificate } from '../../emulator/certs/localCertificate.js';
import type { LocalIdentity } from '../../emulator/identity/localTokenIssuer.js';
import type { RunningIdentityEndpoint } from '../../emulator/identity/startIdentityEndpoint.js';
import {
  startKeyVaultEndpoint,
  type KeyVaultEndpointOptions,
  type RunningKeyVaultEndpoint,
} from '../../emulator/keyvault/startKeyVaultEndpoint.js';
import { withIdentityEndpoint } from './withIdentityEndpoint.js';

export interface LocalKeyVault {
  /** The tests' certificate the vault serves TLS with (clients trust `certificate.certPath`). */
  certificate: LocalCertificate;
  /** The identity endpoint whose tokens the vault accepts. */
  identity: RunningIdentityEndpoint;
  vault: RunningKeyVaultEndpoint;
  /** Stops the vault and the identity endpoint. */
  stop(): Promise<void>;
}

/**
 * The local Key Vault on the tests' certificate, accepting tokens from a fresh identity endpoint that
 * knows `identities`; the clients `readerClientIds` names may read what `readSecret` answers.
 */
export async function startLocalKeyVault(
  options: { identities: LocalIdentity[] } & Pick<KeyVaultEndpointOptions, 'readerClientIds' | 'readSecret'>,
): Promise<LocalKeyVault> {
  const certificate = ensureLocalCertificate(process.env.MEDIAFERRY_TEST_CERT_DIR as string);
  const services = await withIdentityEndpoint(options.identities, async (identity) => ({
    vault: await startKeyVaultEndpoint({
      tls: certificate,
      issuer: identity.issuer,
      readerClientIds: options.readerClientIds,
      readSecret: options.readSecret,
    }),
  }));
  return { certificate, ...services };
}
