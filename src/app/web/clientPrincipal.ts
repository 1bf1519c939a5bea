import type { HttpRequest } from '@azure/functions';

/** Who App Service Authentication says is signed in: the `x-ms-client-principal` header, decoded. */
export interface ClientPrincipal {
  userId: string;
  userName: string;
  roles: string[];
}

interface PrincipalClaims {
  auth_typ?: string;
  claims?: { typ?: string; val?: string }[];
  name_typ?: string;
  role_typ?: string;
}

const OBJECT_ID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

/**
 * The signed-in principal of a request, or undefined. App Service strips any client-sent
 * `x-ms-client-principal*` header before the app sees the request (as the local host does), so the
 * header is the platform's word.
 */
export function clientPrincipalOf(request: HttpRequest): ClientPrincipal | undefined {
  const header = request.headers.get('x-ms-client-principal');
  if (!header) return undefined;
  let decoded: PrincipalClaims;
  try {
    decoded = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PrincipalClaims;
  } catch {
    return undefined;
  }
  const claims = Array.isArray(decoded.claims) ? decoded.claims : [];
  const value = (type: string | undefined) => claims.find((claim) => claim.typ === type)?.val;
  const userId = request.headers.get('x-ms-client-principal-id') ?? value(OBJECT_ID);
  if (!userId) return undefined;
  return {
    userId,
    userName:
      request.headers.get('x-ms-client-principal-name') ?? value(decoded.name_typ ?? 'name') ?? userId,
    roles: claims
      .filter((claim) => claim.typ === (decoded.role_typ ?? 'roles') && typeof claim.val === 'string')
      .map((claim) => claim.val as string),
  };
}
