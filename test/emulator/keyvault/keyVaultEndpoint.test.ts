import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdentityEndpoint } from '../../../emulator/identity/startIdentityEndpoint.js';
import type { RunningKeyVaultEndpoint } from '../../../emulator/keyvault/startKeyVaultEndpoint.js';
import { startLocalKeyVault, type LocalKeyVault } from '../../support/localKeyVault.js';

const WORKER = { clientId: '11111111-1111-4111-8111-111111111111' };
const APP = { clientId: '22222222-2222-4222-8222-222222222222' };
const secrets = new Map<string, string>([['source-cookies', '# Netscape HTTP Cookie File\n']]);

let local: LocalKeyVault;
let identity: RunningIdentityEndpoint;
let vault: RunningKeyVaultEndpoint;
const scopesAsked: string[][] = [];

/** Tokens from the local identity endpoint, fetched the IMDS way for one client id. */
function identityCredential(clientId: string): TokenCredential {
  return {
    async getToken(scopes): Promise<AccessToken> {
      const list = Array.isArray(scopes) ? scopes : [scopes];
      scopesAsked.push(list);
      const url = new URL('/metadata/identity/oauth2/token', identity.podIdentityAuthorityHost);
      url.search = new URLSearchParams({
        'api-version': '2018-02-01',
        resource: (list[0] ?? '').replace(/\/\.default$/, ''),
        client_id: clientId,
      }).toString();
      const response = await fetch(url, { headers: { Metadata: 'true' } });
      const body = (await response.json()) as { access_token: string; expires_on: string };
      return { token: body.access_token, expiresOnTimestamp: Number(body.expires_on) * 1000 };
    },
  };
}

function clientFor(clientId: string) {
  // The local vault is on 127.0.0.1, not under vault.azure.net, so the client's domain check is off here.
  return new SecretClient(vault.vaultUri, identityCredential(clientId), {
    disableChallengeResourceVerification: true,
    retryOptions: { maxRetries: 0 },
  });
}

beforeAll(async () => {
  local = await startLocalKeyVault({
    identities: [WORKER, APP],
    readerClientIds: [WORKER.clientId],
    readSecret: (name) => secrets.get(name),
  });
  ({ identity, vault } = local);
});

afterAll(() => local?.stop());

describe('local Key Vault secrets endpoint', () => {
  it('answers the real SecretClient after its challenge handshake, with a token for the vault audience', async () => {
    const secret = await clientFor(WORKER.clientId).getSecret('source-cookies');
    expect(secret.value).toBe('# Netscape HTTP Cookie File\n');
    expect(secret.properties.id).toMatch(
      new RegExp(`^${vault.vaultUri}/secrets/source-cookies/[0-9a-f]{32}$`),
    );
    expect(secret.properties.enabled).toBe(true);
    // First request without a token (401 + challenge), then the same request with one.
    const first = vault.requests.slice(0, 2);
    expect(first).toEqual([
      { secret: 'source-cookies', clientId: undefined, status: 401 },
      { secret: 'source-cookies', clientId: WORKER.clientId, status: 200 },
    ]);
    expect(scopesAsked.at(-1)).toEqual(['https://vault.azure.net/.default']);
  });

  it('reads a secret by its version and refuses a version that is not the current one', async () => {
    const client = clientFor(WORKER.clientId);
    const latest = await client.getSecret('source-cookies');
    const pinned = await client.getSecret('source-cookies', { version: latest.properties.version as string });
    expect(pinned.value).toBe(latest.value);
    await expect(client.getSecret('source-cookies', { version: '0'.repeat(32) })).rejects.toMatchObject({
      statusCode: 404,
      code: 'SecretNotFound',
    });
  });

  it('answers 404 SecretNotFound for a secret that is not set', async () => {
    await expect(clientFor(WORKER.clientId).getSecret('source-proxy-url')).rejects.toMatchObject({
      statusCode: 404,
      code: 'SecretNotFound',
    });
  });

  it('refuses every identity but the reader with 403 ForbiddenByRbac, and leaks no value', async () => {
    const error = await clientFor(APP.clientId)
      .getSecret('source-cookies')
      .then(
        () => undefined,
        (e: unknown) => e as { statusCode?: number; code?: string; message?: string },
      );
    expect(error).toMatchObject({ statusCode: 403, code: 'Forbidden' });
    expect(error?.message).toContain('DeniedWithNoValidRBAC');
    expect(error?.message).not.toContain('Netscape');
    expect(vault.requests.at(-1)).toEqual({ secret: 'source-cookies', clientId: APP.clientId, status: 403 });
  });

  it('refuses a token for another audience, and one not issued by the local identity endpoint', async () => {
    const storageToken = await identityCredential(WORKER.clientId).getToken(
      'https://storage.azure.com/.default',
    );
    const forged = `${storageToken!.token.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`;
    for (const token of [storageToken!.token, forged]) {
      const response = await fetch(`${vault.vaultUri}/secrets/source-cookies?api-version=7.5`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('resource="https://vault.azure.net"');
      expect(await response.text()).not.toContain('Netscape');
    }
  });
});
