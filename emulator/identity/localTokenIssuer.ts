import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** A managed identity the local endpoint knows, as Azure would know a user-assigned identity. */
export interface LocalIdentity {
  clientId: string;
  /** Object (principal) id; defaults to a stable id derived from the client id. */
  principalId?: string;
  /** ARM resource id of the user-assigned identity, for `mi_res_id` / `msi_res_id` look-ups. */
  resourceId?: string;
}

export interface TokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  oid: string;
  sub: string;
  appid: string;
  tid: string;
  idtyp: 'app';
  xms_mirid?: string;
  uti: string;
}

export interface IssuedToken {
  accessToken: string;
  claims: TokenClaims;
}

/** Why a bearer token was refused; `code` is stable so callers can map it to an HTTP answer. */
export class TokenVerificationError extends Error {
  readonly retryable = false;
  constructor(
    readonly code:
      'InvalidAuthenticationToken' | 'InvalidAuthenticationTokenAudience' | 'ExpiredAuthenticationToken',
    message: string,
  ) {
    super(message);
    this.name = 'TokenVerificationError';
  }
}

export const DEFAULT_TENANT_ID = '72f988bf-0000-4000-8000-00000000f00d';

export interface LocalTokenIssuerOptions {
  tenantId?: string;
  /** HMAC key for HS256; a random one when omitted (tokens then die with the issuer). */
  signingKey?: Buffer;
  lifetimeSeconds?: number;
  now?: () => number;
}

/**
 * Issues and verifies JWT-shaped access tokens carrying the claims Azure AD puts in managed
 * identity tokens. Azurite checks only the claims; the ARM emulator also checks the HS256
 * signature, so a token for the wrong resource or from elsewhere is caught locally.
 */
export class LocalTokenIssuer {
  readonly tenantId: string;
  readonly issuer: string;
  readonly lifetimeSeconds: number;
  readonly #key: Buffer;
  readonly #now: () => number;

  constructor(options: LocalTokenIssuerOptions = {}) {
    this.tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
    this.issuer = `https://sts.windows.net/${this.tenantId}/`;
    this.lifetimeSeconds = options.lifetimeSeconds ?? 3600;
    this.#key = options.signingKey ?? randomBytes(32);
    this.#now = options.now ?? Date.now;
  }

  issue(identity: LocalIdentity, resource: string): IssuedToken {
    const nowSeconds = Math.floor(this.#now() / 1000);
    const principalId = identity.principalId ?? principalIdFor(identity.clientId);
    const claims: TokenClaims = {
      aud: resource,
      iss: this.issuer,
      iat: nowSeconds,
      // A little slack so a clock read a moment earlier elsewhere still accepts the token.
      nbf: nowSeconds - 60,
      exp: nowSeconds + this.lifetimeSeconds,
      oid: principalId,
      sub: principalId,
      appid: identity.clientId,
      tid: this.tenantId,
      idtyp: 'app',
      ...(identity.resourceId ? { xms_mirid: identity.resourceId } : {}),
      uti: randomUUID(),
    };
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(JSON.stringify(claims));
    return { accessToken: `${header}.${payload}.${this.#sign(`${header}.${payload}`)}`, claims };
  }

  /** Checks signature, issuer, lifetime and audience (with or without a trailing slash). */
  verify(token: string, audience: string): TokenClaims {
    const parts = token.split('.');
    if (parts.length !== 3)
      throw new TokenVerificationError('InvalidAuthenticationToken', 'The access token is not a JWT.');
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
      throw new TokenVerificationError(
        'InvalidAuthenticationToken',
        'The access token has an invalid signature: it was not issued by the local identity endpoint.',
      );
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      throw new TokenVerificationError('InvalidAuthenticationToken', 'The access token payload is not JSON.');
    }
    if (claims.iss !== this.issuer)
      throw new TokenVerificationError(
        'InvalidAuthenticationToken',
        `The access token issuer '${claims.iss}' is not trusted.`,
      );
    const nowSeconds = Math.floor(this.#now() / 1000);
    if (claims.exp <= nowSeconds || claims.nbf > nowSeconds)
      throw new TokenVerificationError(
        'ExpiredAuthenticationToken',
        'The access token is expired or not yet valid.',
      );
    if (trimSlash(claims.aud) !== trimSlash(audience))
      throw new TokenVerificationError(
        'InvalidAuthenticationTokenAudience',
        `The access token has been obtained for wrong audience or resource '${claims.aud}'. It should exactly match with one of the allowed audiences '${trimSlash(audience)}', '${trimSlash(audience)}/'.`,
      );
    return claims;
  }

  #sign(input: string): string {
    return createHmac('sha256', this.#key).update(input).digest('base64url');
  }
}

/** A stable object id for a client id, so the same identity always has the same principal. */
export function principalIdFor(clientId: string): string {
  const hex = createHmac('sha256', 'mediaferry-local-principal').update(clientId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, '');
}
