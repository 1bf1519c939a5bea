import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { closeServer, listenOnLoopback, sendJson as send } from '../shared/http.js';
import { TokenVerificationError, type LocalTokenIssuer } from '../identity/localTokenIssuer.js';

/** The audience of Key Vault data-plane tokens, in every public-cloud vault's challenge. */
export const KEY_VAULT_AUDIENCE = 'https://vault.azure.net';

export interface KeyVaultEndpointOptions {
  /** TLS certificate and key (the local stack's own); clients trust it through NODE_EXTRA_CA_CERTS. */
  tls: { cert: string; key: string };
  /** Verifies bearer tokens: only tokens issued by the local identity endpoint are accepted. */
  issuer: LocalTokenIssuer;
  /** Client ids holding Key Vault Secrets User on every secret here; any other caller gets 403. */
  readerClientIds: readonly string[];
  /** The current value of a secret, read on every request; undefined means no such secret (404). */
  readSecret(name: string): string | undefined;
  /** 0 (default) picks a free port. Always bound to 127.0.0.1. */
  port?: number;
}

/** One answered request, for tests; never holds a token or a value. */
export interface VaultRequestRecord {
  secret: string | undefined;
  clientId: string | undefined;
  status: number;
}

export interface RunningKeyVaultEndpoint {
  /** e.g. https://127.0.0.1:41234 — the value for the vault URI setting. */
  vaultUri: string;
  requests: VaultRequestRecord[];
  stop(): Promise<void>;
}

const SECRET_PATH = /^\/secrets\/([0-9A-Za-z-]{1,127})(?:\/([0-9a-f]{32})?)?\/?$/;
const MAX_RECORDS = 500;

/** A stable version id for a value, so the same value keeps its id and a new value gets a new one. */
function versionOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

/**
 * A minimal Key Vault secrets endpoint: `GET /secrets/{name}[/{version}]?api-version=…` answers
 * `{ value, id, attributes }` as the data plane does. Authentication follows Key Vault's challenge:
 * a request without a bearer token gets 401 with `WWW-Authenticate: Bearer authorization=…,
 * resource=https://vault.azure.net`, which `@azure/keyvault-secrets` answers with a token for that
 * resource; authorisation is RBAC-like (only the reader client ids, else 403 ForbiddenByRbac).
 */
export async function startKeyVaultEndpoint(
  options: KeyVaultEndpointOptions,
): Promise<RunningKeyVaultEndpoint> {
  const requests: VaultRequestRecord[] = [];
  const challenge = `Bearer authorization="https://login.microsoftonline.com/${options.issuer.tenantId}", resource="${KEY_VAULT_AUDIENCE}"`;
  let vaultUri = '';

  const server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      send(res, 500, { error: { code: 'InternalServerError', message: (error as Error).message } });
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', vaultUri);
    const match = SECRET_PATH.exec(url.pathname);
    const secret = match?.[1];
    // Known once the token is verified; recorded with every answer.
    const caller: { clientId?: string } = {};
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ secret, clientId: caller.clientId, status });
      if (requests.length > MAX_RECORDS) requests.splice(0, requests.length - MAX_RECORDS);
      send(res, status, body, headers);
    };
    // The client sends its first request without a token and without a body, expecting this challenge.
    const authorization = req.headers.authorization;
    if (!authorization?.startsWith('Bearer '))
      return answer(
        401,
        { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
        { 'www-authenticate': challenge },
      );
    let claims;
    try {
      claims = options.issuer.verify(authorization.slice('Bearer '.length), KEY_VAULT_AUDIENCE);
    } catch (error) {
      const message = error instanceof TokenVerificationError ? error.message : 'AKV10022: Invalid token.';
      return answer(401, { error: { code: 'Unauthorized', message } }, { 'www-authenticate': challenge });
    }
    caller.clientId = claims.appid;
    if (!url.searchParams.get('api-version'))
      return answer(400, {
        error: {
          code: 'BadParameter',
          message: 'The request URI contains an invalid or missing api-version.',
        },
      });
    if (req.method !== 'GET' || !match)
      return answer(405, {
        error: {
          code: 'MethodNotAllowed',
          message: 'This local vault serves only GET /secrets/{name}[/{version}].',
        },
      });
    if (!options.readerClientIds.includes(claims.appid))
      return answer(403, {
        error: {
          code: 'Forbidden',
          message: `Caller is not authorized to perform action on resource.\r\nCaller: appid=${claims.appid};oid=${claims.oid}\r\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC'\r\n`,
          innererror: { code: 'ForbiddenByRbac' },
        },
      });
    const value = options.readSecret(secret as string);
    const version = value === undefined ? undefined : versionOf(value);
    if (value === undefined || (match[2] !== undefined && match[2] !== version))
      return answer(404, {
        error: {
          code: 'SecretNotFound',
          message: `A secret with (name/id) ${secret as string}${match[2] ? `/${match[2]}` : ''} was not found in this key vault.`,
        },
      });
    const now = Math.floor(Date.now() / 1000);
    answer(200, {
      value,
      id: `${vaultUri}/secrets/${secret as string}/${version as string}`,
      attributes: {
        enabled: true,
        created: now,
        updated: now,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 7,
      },
      tags: {},
    });
  }

  const port = await listenOnLoopback(server, options.port ?? 0);
  vaultUri = `https://127.0.0.1:${port}`;
  return { vaultUri, requests, stop: () => closeServer(server) };
}
