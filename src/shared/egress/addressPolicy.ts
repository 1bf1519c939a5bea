import { isIP } from 'node:net';

/**
 * Where a connection may go. `forbidden` is refused whatever the settings say (cloud metadata,
 * wireserver, link-local, "this network"); `private` only when private sources are allowed or the
 * exact host:port is on the operator's allow-list; `public` always.
 */
export type AddressClass = 'public' | 'private' | 'forbidden';

export interface EgressPolicy {
  /** ALLOW_PRIVATE_SOURCES: loopback and private networks are reachable (local development). */
  allowPrivateSources: boolean;
  /**
   * ALLOWED_PRIVATE_SOURCES: exact `host:port` entries (a name or an address) reachable even when
   * private sources are refused, e.g. an on-premises media server. Never opens a forbidden address.
   */
  allowedPrivateSources?: readonly string[];
}

type Block = readonly [base: string, bits: number];

const FORBIDDEN_IPV4: readonly Block[] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['169.254.0.0', 16], // link-local: every cloud's metadata endpoint (169.254.169.254), ECS, Oracle
  ['168.63.129.16', 32], // Azure wireserver and platform DNS
];

const PRIVATE_IPV4: readonly Block[] = [
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT; also Alibaba's metadata at 100.100.100.200
  ['127.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24], // documentation ranges: never a real source
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];

/** Names of metadata services, refused before any lookup whatever the settings say. */
const FORBIDDEN_NAMES: readonly RegExp[] = [
  /^metadata$/,
  /^metadata\.google\.internal$/,
  /^metadata\.goog$/,
  /^instance-data$/,
  /^instance-data\.ec2\.internal$/,
  /^metadata\.azure\.internal$/,
  /^wireserver$/,
];

/** Names that only ever mean something inside a private network. */
const PRIVATE_NAMES: readonly RegExp[] = [
  /^localhost$/,
  /\.localhost$/,
  /\.internal$/,
  /\.local$/,
  /\.localdomain$/,
  /\.home\.arpa$/,
  /\.lan$/,
  /\.intranet$/,
  /\.corp$/,
];

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function inBlocks(ip: string, blocks: readonly Block[]): boolean {
  const value = ipv4ToInt(ip);
  return blocks.some(([base, bits]) => {
    const start = ipv4ToInt(base);
    return value >= start && value < start + 2 ** (32 - bits);
  });
}

function classifyIpv4(ip: string): AddressClass {
  if (inBlocks(ip, FORBIDDEN_IPV4)) return 'forbidden';
  if (inBlocks(ip, PRIVATE_IPV4)) return 'private';
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it does not parse. */
function ipv6Groups(ip: string): number[] | undefined {
  let text = ip.toLowerCase().replace(/%.*$/, ''); // a zone id only makes sense on link-local
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToInt(v4[1] as string);
    text =
      text.slice(0, -(v4[1] as string).length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail, extra] = text.split('::') as [string, string | undefined, string | undefined];
  if (extra !== undefined) return undefined;
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  if ((tail === undefined && missing !== 0) || missing < 0) return undefined;
  const groups = [...headParts, ...Array<string>(missing).fill('0'), ...tailParts].map((p) =>
    /^[0-9a-f]{1,4}$/.test(p) ? parseInt(p, 16) : NaN,
  );
  return groups.some(Number.isNaN) ? undefined : groups;
}

function classifyIpv6(ip: string): AddressClass {
  const g = ipv6Groups(ip);
  if (!g) return 'forbidden'; // unparseable: refuse rather than guess
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g6 = 0, g7 = 0] = g;
  const embedded = `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  const zeroPrefix = a === 0 && b === 0 && c === 0 && d === 0 && e === 0;
  if (zeroPrefix && f === 0 && g6 === 0 && g7 === 0) return 'forbidden'; // :: reaches the local host
  if (zeroPrefix && f === 0 && g6 === 0 && g7 === 1) return 'private'; // ::1
  if (zeroPrefix && (f === 0xffff || f === 0)) return classifyIpv4(embedded); // v4-mapped, v4-compatible
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0xffff && f === 0) return classifyIpv4(embedded); // SIIT
  if (a === 0x64 && b === 0xff9b) return classifyIpv4(embedded); // NAT64
  if (a === 0x2002) return classifyIpv4(`${b >> 8}.${b & 255}.${c >> 8}.${c & 255}`); // 6to4
  if ((a & 0xffc0) === 0xfe80) return 'forbidden'; // link-local fe80::/10
  if (a === 0xfd00 && b === 0x0ec2 && c === 0 && d === 0 && e === 0 && f === 0 && g6 === 0 && g7 === 0x254)
    return 'forbidden'; // AWS metadata over IPv6
  if ((a & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((a & 0xffc0) === 0xfec0) return 'private'; // site-local (deprecated)
  if ((a & 0xff00) === 0xff00) return 'private'; // multicast
  if (a === 0x2001 && b === 0) return 'private'; // Teredo hides an IPv4 address
  if (a === 0x2001 && b === 0x0db8) return 'private'; // documentation
  if (a === 0x0100 && b === 0 && c === 0 && d === 0) return 'private'; // discard-only
  return 'public';
}

/** Classifies a literal IPv4 or IPv6 address (brackets allowed); anything else is forbidden. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare.replace(/%.*$/, ''));
  if (family === 4) return classifyIpv4(bare);
  if (family === 6) return classifyIpv6(bare);
  return 'forbidden';
}

/** A host name lower-cased without brackets or trailing dot. */
export function normaliseHost(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, '');
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

/**
 * Classifies a host *name* before it is resolved: metadata names are forbidden; localhost, names
 * under private-only suffixes and single-label names (resolved through the search domain, so inside
 * the network) are private. A public-looking name is only known to be public once resolved.
 */
export function classifyHostName(host: string): AddressClass {
  const name = normaliseHost(host);
  if (isIP(name)) return classifyAddress(name);
  if (FORBIDDEN_NAMES.some((re) => re.test(name))) return 'forbidden';
  if (PRIVATE_NAMES.some((re) => re.test(name)) || !name.includes('.')) return 'private';
  return 'public';
}

/** `host:port` as the allow-list spells it: lower case, IPv6 in brackets. */
export function hostPortKey(host: string, port: number): string {
  const name = normaliseHost(host);
  return `${isIP(name) === 6 ? `[${name}]` : name}:${port}`;
}

/** Parses ALLOWED_PRIVATE_SOURCES (comma- or space-separated `host:port`); throws on a bad entry. */
export function parseAllowedPrivateSources(text: string | undefined): string[] {
  const entries = (text ?? '').split(/[\s,]+/).filter((e) => e !== '');
  return entries.map((entry) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535)
      throw new Error(`"${entry}" is not host:port (IPv6 in brackets, e.g. [fd00::5]:8443)`);
    return hostPortKey(match[1] as string, port);
  });
}

/** Why a connection was refused, without saying what the address answered. */
export type EgressRefusalReason = 'FORBIDDEN_ADDRESS' | 'PRIVATE_ADDRESS' | 'UNSUPPORTED_SCHEME';

/**
 * Decides one connection: `host` as requested, `address` what it resolved to (equal for literals).
 * Forbidden addresses are never reachable; private ones only when allowed or allow-listed by the
 * requested `host:port` or the resolved `address:port`.
 */
export function checkEgressAddress(
  host: string,
  address: string,
  port: number,
  policy: EgressPolicy,
): { allowed: true } | { allowed: false; reason: EgressRefusalReason } {
  const nameClass = classifyHostName(host);
  const addressClass = classifyAddress(address);
  if (nameClass === 'forbidden' || addressClass === 'forbidden')
    return { allowed: false, reason: 'FORBIDDEN_ADDRESS' };
  if (nameClass === 'public' && addressClass === 'public') return { allowed: true };
  if (policy.allowPrivateSources) return { allowed: true };
  const allowList = policy.allowedPrivateSources ?? [];
  if (allowList.includes(hostPortKey(host, port)) || allowList.includes(hostPortKey(address, port)))
    return { allowed: true };
  return { allowed: false, reason: 'PRIVATE_ADDRESS' };
}
