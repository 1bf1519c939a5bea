import { isIP } from 'node:net';

export const MAX_URL_LENGTH = 2048;

export type SourceUrlProblem =
  'INVALID_URL' | 'URL_TOO_LONG' | 'UNSUPPORTED_SCHEME' | 'URL_HAS_CREDENTIALS' | 'PRIVATE_ADDRESS';

export interface SourceUrlVerdict {
  ok: boolean;
  problem?: SourceUrlProblem;
  message?: string;
  /** The normalised URL (WHATWG parsing) when ok. */
  url?: string;
}

const BLOCKED_NAMES = [
  /^localhost$/,
  /\.localhost$/,
  /^metadata$/,
  /^metadata\.google\.internal$/,
  /\.internal$/,
  /^instance-data$/,
];

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

const IPV4_BLOCKS: [string, number][] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, includes IMDS 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];

function isBlockedIpv4(ip: string): boolean {
  const value = ipv4ToInt(ip);
  return IPV4_BLOCKS.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = ipv4ToInt(base);
    return value >= start && value < start + size;
  });
}

function expandIpv6(ip: string): number[] | undefined {
  let text = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToInt(v4[1] as string);
    text =
      text.slice(0, -(v4[1] as string).length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  if (tail === undefined && missing !== 0) return undefined;
  const parts = [...headParts, ...Array<string>(Math.max(missing, 0)).fill('0'), ...tailParts];
  return parts.map((p) => parseInt(p || '0', 16));
}

function isBlockedIpv6(ip: string): boolean {
  const g = expandIpv6(ip);
  if (!g || g.length !== 8) return true; // unparseable: refuse rather than guess
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h6 = 0, h7 = 0] = g;
  if (g.every((x) => x === 0)) return true; // ::
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0 && h6 === 0 && h7 === 1) return true; // ::1
  const embedded = `${h6 >> 8}.${h6 & 255}.${h7 >> 8}.${h7 & 255}`;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && (f === 0xffff || f === 0))
    return isBlockedIpv4(embedded); // v4-mapped/compatible
  if (a === 0x64 && b === 0xff9b) return isBlockedIpv4(embedded); // NAT64
  if ((a & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((a & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((a & 0xffc0) === 0xfec0) return true; // site-local (deprecated)
  if ((a & 0xff00) === 0xff00) return true; // multicast
  if (a === 0xfd00 && b === 0x0ec2) return true; // AWS IMDS over IPv6 (inside fc00::/7 already; explicit for clarity)
  if (a === 0x2002) return isBlockedIpv4(`${b >> 8}.${b & 255}.${c >> 8}.${c & 255}`); // 6to4 of a private v4
  return false;
}

/**
 * Decides whether a job may download from `raw`. Blocks targets inside the cloud network (IMDS,
 * private ranges, loopback) so a job cannot be used to reach them, unless private sources are allowed
 * for local development. Hostnames are checked by name only; DNS answers are not resolved here.
 */
export function checkSourceUrl(raw: string, options: { allowPrivateSources: boolean }): SourceUrlVerdict {
  if (raw.length > MAX_URL_LENGTH)
    return {
      ok: false,
      problem: 'URL_TOO_LONG',
      message: `The URL is longer than ${MAX_URL_LENGTH} characters.`,
    };
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(raw))
    return {
      ok: false,
      problem: 'INVALID_URL',
      message: 'Expected an absolute http(s) URL such as https://example.com/video.',
    };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'INVALID_URL', message: 'The URL could not be parsed.' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return {
      ok: false,
      problem: 'UNSUPPORTED_SCHEME',
      message: `Only http and https URLs are accepted, not ${url.protocol}`,
    };
  if (url.username || url.password)
    return {
      ok: false,
      problem: 'URL_HAS_CREDENTIALS',
      message: 'URLs with a user name or password are not accepted.',
    };
  if (!url.hostname) return { ok: false, problem: 'INVALID_URL', message: 'The URL has no host.' };
  if (url.href.length > MAX_URL_LENGTH)
    return {
      ok: false,
      problem: 'URL_TOO_LONG',
      message: `The URL is longer than ${MAX_URL_LENGTH} characters.`,
    };

  if (!options.allowPrivateSources) {
    // WHATWG parsing already turned 0x7f000001, 2130706433 and 127.1 into dotted IPv4.
    const host = url.hostname.replace(/\.$/, '').toLowerCase();
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    const family = isIP(bare);
    const blocked =
      (family === 4 && isBlockedIpv4(bare)) ||
      (family === 6 && isBlockedIpv6(bare)) ||
      (family === 0 && BLOCKED_NAMES.some((re) => re.test(bare)));
    if (blocked)
      return {
        ok: false,
        problem: 'PRIVATE_ADDRESS',
        message: `The host ${url.hostname} is a loopback, private, link-local or metadata address; only public sources are accepted.`,
      };
  }
  return { ok: true, url: url.href };
}
