import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { checkEgressAddress, classifyHostName, normaliseHost, type EgressPolicy } from './addressPolicy.js';
import { SourceAddressBlockedError } from './SourceAddressBlockedError.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a name to every address it has (dns.lookup's contract); injectable for tests. */
export type HostResolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }));

/**
 * Resolves `host` once and checks EVERY address it resolved to, so a name with one public and one
 * internal answer is refused, not raced. Returns the addresses to connect to (never resolve again:
 * a second answer could differ). Forbidden names and literals are refused before any lookup.
 */
export async function resolveCheckedAddresses(
  host: string,
  port: number,
  policy: EgressPolicy,
  resolve: HostResolver = systemResolver,
): Promise<ResolvedAddress[]> {
  const name = normaliseHost(host);
  const literal = isIP(name);
  if (literal) {
    const verdict = checkEgressAddress(name, name, port, policy);
    if (!verdict.allowed) throw new SourceAddressBlockedError(name, port, verdict.reason);
    return [{ address: name, family: literal === 6 ? 6 : 4 }];
  }
  if (classifyHostName(name) === 'forbidden')
    throw new SourceAddressBlockedError(name, port, 'FORBIDDEN_ADDRESS');
  const addresses = await resolve(name);
  if (addresses.length === 0) throw Object.assign(new Error(`${name} has no address`), { code: 'ENOTFOUND' });
  for (const { address } of addresses) {
    const verdict = checkEgressAddress(name, address, port, policy);
    if (!verdict.allowed) throw new SourceAddressBlockedError(name, port, verdict.reason);
  }
  return addresses;
}
