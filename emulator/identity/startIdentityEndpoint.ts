import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, sendJson as send } from '../shared/http.js';
import { LocalTokenIssuer, type LocalIdentity } from './localTokenIssuer.js';

export interface IdentityEndpointOptions {
  /** 0 (default) picks a free port. Always bound to 127.0.0.1. */
  port?: number;
  /** User-assigned identities that exist; a token request for any other client id gets a 400. */
  identities?: LocalIdentity[];
  /** The identity used when a request names none (a system-assigned identity); none means 400. */
  systemAssigned?: LocalIdentity;
  /** Shared with the ARM emulator so it can verify the tokens issued here. */
  issuer?: LocalTokenIssuer;
  /** The App Service `IDENTITY_HEADER` secret; random when omitted. */
  identityHeader?: string;
}

export type IdentityFlavor = 'AppService' | 'Imds';

/** One answered token request, for tests; never holds the token itself. */
export interface TokenRequestRecord {
  flavor: IdentityFlavor;
  resource: string | undefined;
  clientId: string | undefined;
  status: number;
}

export interface RunningIdentityEndpoint {
  origin: string;
  port: number;
  /** App Service style: the value for `IDENTITY_ENDPOINT`. */
  identityEndpoint: string;
  /** App Service style: the value for `IDENTITY_HEADER` (a secret: pass it only through the environment). */
  identityHeader: string;
  /** IMDS style: the value for `AZURE_POD_IDENTITY_AUTHORITY_HOST`; serves every known identity. */
  podIdentityAuthorityHost: string;
  /**
   * An IMDS-style host that serves only the given identities (by resource id), as IMDS inside a
   * container group serves only the identities attached to that group.
   */
  attachIdentities(scopeId: string, identityResourceIds: string[]): string;
  detachIdentities(scopeId: string): void;
  issuer: LocalTokenIssuer;
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

const APP_SERVICE_PATH = '/msi/token';
const MAX_RECORDS = 10_000;
const IMDS_PATH = '/metadata/identity/oauth2/token';

/**
 * A local managed identity endpoint that speaks both protocols `ManagedIdentityCredential` uses:
 * App Service (`IDENTITY_ENDPOINT` + `X-IDENTITY-HEADER`, as in Functions) and IMDS
 * (`Metadata: true`, as inside a container group).
 */
export async function startIdentityEndpoint(
  options: IdentityEndpointOptions = {},
): Promise<RunningIdentityEndpoint> {
  const issuer = options.issuer ?? new LocalTokenIssuer();
  const identityHeader = options.identityHeader ?? randomBytes(24).toString('hex');
  const identities = options.identities ?? [];
  const requests: TokenRequestRecord[] = [];
  const scopes = new Map<string, Set<string>>();

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      send(res, 500, { error: 'server_error', error_description: (error as Error).message });
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // MSAL joins AZURE_POD_IDENTITY_AUTHORITY_HOST and the path, so a trailing slash there doubles it.
    let path = url.pathname.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
    const scoped = /^\/scopes\/([^/]+)(\/.*)$/.exec(path);
    const scope = scoped ? scopes.get(decodeURIComponent(scoped[1] as string)) : undefined;
    if (scoped) {
      if (!scope)
        return send(res, 404, {
          error: 'not_found',
          error_description: 'This identity scope no longer exists.',
        });
      path = scoped[2] as string;
    }
    const flavor: IdentityFlavor | undefined =
      path === APP_SERVICE_PATH ? 'AppService' : path === IMDS_PATH ? 'Imds' : undefined;
    if (!flavor) return send(res, 404, { error: 'not_found', error_description: `No endpoint at ${path}.` });
    const q = url.searchParams;
    const resource = q.get('resource') ?? undefined;
    const requestedClientId = q.get('client_id') ?? undefined;
    const record = (status: number) => {
      requests.push({ flavor, resource, clientId: requestedClientId, status });
      if (requests.length > MAX_RECORDS) requests.splice(0, requests.length - MAX_RECORDS);
    };
    const fail = (status: number, error: string, description: string) => {
      record(status);
      if (flavor === 'AppService')
        return send(res, status, { statusCode: status, message: description, correlationId: randomUUID() });
      return send(res, status, { error, error_description: description });
    };

    if (req.method !== 'GET') return fail(405, 'invalid_request', 'Only GET is supported.');
    if (flavor === 'AppService') {
      if (req.headers['x-identity-header'] !== identityHeader)
        return fail(401, 'invalid_request', 'The X-IDENTITY-HEADER header is missing or wrong.');
      if (q.get('api-version') !== '2019-08-01')
        return fail(400, 'invalid_request', "The api-version must be '2019-08-01'.");
    } else {
      if (req.headers['metadata'] !== 'true')
        return fail(400, 'invalid_request', 'Required metadata header not specified');
      if (!q.get('api-version'))
        return fail(400, 'invalid_request', 'Required query variable api-version is missing');
    }
    if (!resource) return fail(400, 'invalid_request', 'Required query variable resource is missing');
    if (!/^https?:\/\/|^[0-9a-f-]{36}$/i.test(resource))
      return fail(400, 'invalid_resource', `The resource '${resource}' is not a valid resource URI.`);

    const resourceId = q.get('mi_res_id') ?? q.get('msi_res_id') ?? undefined;
    const objectId = q.get('object_id') ?? q.get('principal_id') ?? undefined;
    // Inside a scope only the attached identities exist, and the first one answers a request naming none.
    const candidates = scope
      ? identities.filter((i) => i.resourceId !== undefined && scope.has(i.resourceId.toLowerCase()))
      : identities;
    let identity: LocalIdentity | undefined;
    if (requestedClientId) identity = candidates.find((i) => i.clientId === requestedClientId);
    else if (resourceId)
      identity = candidates.find((i) => i.resourceId?.toLowerCase() === resourceId.toLowerCase());
    else if (objectId) identity = candidates.find((i) => i.principalId === objectId);
    else identity = scope ? candidates[0] : options.systemAssigned;
    if (!identity) {
      const named = requestedClientId ?? resourceId ?? objectId;
      return fail(
        400,
        'invalid_request',
        named
          ? `Identity not found: no managed identity with id '${named}' is assigned to this resource.`
          : 'Identity not found: no system-assigned identity is enabled and no client_id was given.',
      );
    }

    const { accessToken, claims } = issuer.issue(identity, resource);
    record(200);
    send(res, 200, {
      access_token: accessToken,
      client_id: identity.clientId,
      expires_in: String(claims.exp - claims.iat),
      expires_on: String(claims.exp),
      ext_expires_in: String(claims.exp - claims.iat),
      not_before: String(claims.nbf),
      resource,
      token_type: 'Bearer',
    });
  }

  const port = await listenOnLoopback(server, options.port);
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    identityEndpoint: `${origin}${APP_SERVICE_PATH}`,
    identityHeader,
    podIdentityAuthorityHost: origin,
    attachIdentities(scopeId, identityResourceIds) {
      scopes.set(scopeId, new Set(identityResourceIds.map((id) => id.toLowerCase())));
      return `${origin}/scopes/${encodeURIComponent(scopeId)}`;
    },
    detachIdentities(scopeId) {
      scopes.delete(scopeId);
    },
    issuer,
    requests,
    stop: () => closeServer(server),
  };
}
