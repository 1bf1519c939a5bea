import { createHash } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { HttpError } from '../errors/HttpError.js';

/**
 * Who is calling: a person signed in through App Service Authentication (the platform puts their
 * principal in `x-ms-client-principal*` headers and strips any a client sends), or a machine client
 * holding a function key (curl, the CLI), which sees every job.
 */
export type Caller = { kind: 'key' } | SignedInUser;

export interface SignedInUser {
  kind: 'user';
  /** The identity provider's stable user id (Entra ID: the object id). */
  id: string;
  name: string;
  roles: string[];
  /** A principal with the `admin` role sees and manages every job. */
  admin: boolean;
  /** 16 hex digits derived from provider and user id; every job the user starts carries it. */
  ownerKey: string;
}

/** The owner recorded in a job's orchestration input. */
export interface JobOwner {
  key: string;
  name: string;
}

export const ADMIN_ROLE = 'admin';
const PRINCIPAL_HEADER = 'x-ms-client-principal';
const OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

interface PrincipalBody {
  auth_typ?: unknown;
  name_typ?: unknown;
  role_typ?: unknown;
  claims?: unknown;
}

function badPrincipal(): HttpError {
  return new HttpError(
    401,
    'INVALID_PRINCIPAL',
    'The signed-in principal could not be read; sign in again.',
    {
      retryable: false,
    },
  );
}

function claimsOf(body: PrincipalBody): { typ: string; val: string }[] {
  if (!Array.isArray(body.claims)) return [];
  return body.claims.filter(
    (c): c is { typ: string; val: string } =>
      typeof c === 'object' && c !== null && typeof c.typ === 'string' && typeof c.val === 'string',
  );
}

/** The caller of a request: the signed-in user when App Service Authentication says so, else a key holder. */
export function callerOf(request: Pick<HttpRequest, 'headers'>): Caller {
  const encoded = request.headers.get(PRINCIPAL_HEADER);
  if (encoded === null) return { kind: 'key' };
  let body: PrincipalBody;
  try {
    body = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as PrincipalBody;
  } catch {
    throw badPrincipal();
  }
  if (typeof body !== 'object' || body === null) throw badPrincipal();
  const claims = claimsOf(body);
  const claim = (typ: unknown) =>
    typeof typ === 'string' ? claims.find((c) => c.typ === typ)?.val : undefined;
  const provider =
    request.headers.get(`${PRINCIPAL_HEADER}-idp`) ??
    (typeof body.auth_typ === 'string' ? body.auth_typ : '');
  const id = request.headers.get(`${PRINCIPAL_HEADER}-id`) ?? claim(OBJECT_ID_CLAIM);
  const name = request.headers.get(`${PRINCIPAL_HEADER}-name`) ?? claim(body.name_typ) ?? id;
  if (!id || !name) throw badPrincipal();
  const roleType = typeof body.role_typ === 'string' ? body.role_typ : 'roles';
  const roles = claims.filter((c) => c.typ === roleType).map((c) => c.val);
  return {
    kind: 'user',
    id,
    name,
    roles,
    admin: roles.includes(ADMIN_ROLE),
    ownerKey: createHash('sha256').update(`${provider}\n${id}`).digest('hex').slice(0, 16),
  };
}

/** The prefix of every job id a user starts: listing their jobs is a prefix query, not a scan. */
export function ownerIdPrefix(ownerKey: string): string {
  return `o${ownerKey}-`;
}

/** The owner a new job records, or none for a key holder's job. */
export function ownerOf(caller: Caller): JobOwner | undefined {
  return caller.kind === 'user' ? { key: caller.ownerKey, name: caller.name } : undefined;
}

/** A job id as the caller's new job gets it: prefixed with their owner key when signed in. */
export function ownedJobId(owner: JobOwner | undefined, id: string): string {
  return owner ? `${ownerIdPrefix(owner.key)}${id}` : id;
}

/**
 * Whether the caller may see a job. Someone else's job is answered exactly like an unknown one
 * (404), so ids cannot be probed.
 */
export function canSeeJob(caller: Caller, jobId: string): boolean {
  if (caller.kind === 'key' || caller.admin) return true;
  return jobId.startsWith(ownerIdPrefix(caller.ownerKey));
}

/** The signed-in user of a request to the pages' API; 401 when nobody is signed in. */
export function requireSignedIn(request: Pick<HttpRequest, 'headers'>): SignedInUser {
  const caller = callerOf(request);
  if (caller.kind !== 'user')
    throw new HttpError(401, 'SIGN_IN_REQUIRED', 'Sign in first: /.auth/login/aad.', { retryable: false });
  return caller;
}
