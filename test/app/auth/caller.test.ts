import { describe, expect, it } from 'vitest';
import { callerOf, canSeeJob, ownedJobId, ownerOf } from '../../../src/app/auth/caller.js';
import { HttpError } from '../../../src/app/errors/HttpError.js';
import { jobIdFrom } from '../../../src/app/jobs/jobId.js';

/** Headers as App Service Authentication sets them for an Entra ID user. */
function entraHeaders(id: string, name: string, roles: string[]): Headers {
  const principal = {
    auth_typ: 'aad',
    name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
    role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
    claims: [
      { typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name', val: name },
      { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: id },
      ...roles.map((val) => ({ typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val })),
    ],
  };
  return new Headers({ 'x-ms-client-principal': Buffer.from(JSON.stringify(principal)).toString('base64') });
}

describe('the caller of a request', () => {
  it('is a key holder without a principal, seeing every job', () => {
    const caller = callerOf({ headers: new Headers() });
    expect(caller).toEqual({ kind: 'key' });
    expect(canSeeJob(caller, 'o0123456789abcdef-' + 'a'.repeat(32))).toBe(true);
    expect(ownerOf(caller)).toBeUndefined();
  });

  it('reads an Entra ID principal from its claims, with the role claim type it names', () => {
    const caller = callerOf({ headers: entraHeaders('oid-1', 'Ada', ['admin']) });
    expect(caller).toMatchObject({ kind: 'user', id: 'oid-1', name: 'Ada', roles: ['admin'], admin: true });
  });

  it('gives each user a stable owner prefix and hides other users’ jobs', () => {
    const ada = callerOf({ headers: entraHeaders('oid-1', 'Ada', []) });
    const again = callerOf({ headers: entraHeaders('oid-1', 'Ada L.', []) });
    const grace = callerOf({ headers: entraHeaders('oid-2', 'Grace', []) });
    const adasJob = ownedJobId(ownerOf(ada), 'b'.repeat(32));
    expect(jobIdFrom({ id: adasJob })).toBe(adasJob);
    expect(ownedJobId(ownerOf(again), 'b'.repeat(32))).toBe(adasJob);
    expect(canSeeJob(ada, adasJob)).toBe(true);
    expect(canSeeJob(grace, adasJob)).toBe(false);
    expect(canSeeJob(grace, 'b'.repeat(32))).toBe(false);
  });

  it('refuses a principal header it cannot read with 401', () => {
    for (const value of ['not base64 json', Buffer.from('{"claims": []}').toString('base64')]) {
      let thrown: unknown;
      try {
        callerOf({ headers: new Headers({ 'x-ms-client-principal': value }) });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(HttpError);
      expect(thrown).toMatchObject({ status: 401, code: 'INVALID_PRINCIPAL' });
    }
  });
});
