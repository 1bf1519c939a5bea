import { CallbackSigningKeySource } from '../callback/callbackSigningKey.js';
import { hostBlobServiceClient } from '../callback/hostBlobServiceClient.js';
import { ConfigError } from '../errors/ConfigError.js';

export const WEBHOOK_SECRET_BLOB = 'webhook-signing-secret';
const SECRET_PREFIX = 'whsec_';

/**
 * The Standard Webhooks secret (`whsec_<base64>`) that signs every webhook. WEBHOOK_SIGNING_SECRET wins
 * (a Key Vault reference in Azure); otherwise one is generated and kept in host storage by the same
 * race-safe mechanism as the callback key, in its own blob, so receivers can be configured once.
 */
export function webhookSigningSecretSource(env: NodeJS.ProcessEnv = process.env): () => Promise<string> {
  const configured = env.WEBHOOK_SIGNING_SECRET?.trim();
  if (configured) {
    if (!configured.startsWith(SECRET_PREFIX) || configured.length < SECRET_PREFIX.length + 24)
      throw new ConfigError([
        {
          setting: 'WEBHOOK_SIGNING_SECRET',
          message: `expected a Standard Webhooks secret: "${SECRET_PREFIX}" followed by base64 of 24 or more bytes`,
        },
      ]);
    return () => Promise.resolve(configured);
  }
  const source = new CallbackSigningKeySource({
    blobService: () => hostBlobServiceClient(env),
    blobName: WEBHOOK_SECRET_BLOB,
  });
  return async () => `${SECRET_PREFIX}${(await source.key()).toString('base64')}`;
}

let shared: (() => Promise<string>) | undefined;
/** The app's secret source, created on first use. */
export function webhookSigningSecret(): Promise<string> {
  shared ??= webhookSigningSecretSource();
  return shared();
}
