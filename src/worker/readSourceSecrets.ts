import { isIP } from 'node:net';
import { SOURCE_SECRET_NAMES } from '../shared/workerEnvironment.js';
import {
  parseUpstreamProxy,
  UpstreamProxyUrlError,
  type UpstreamProxy,
} from '../shared/egress/upstreamProxy.js';
import { WorkerError } from './WorkerError.js';

/** What the operator configured for sources; each part absent when its secret is unset or empty. */
export interface SourceSecrets {
  /** A Netscape-format cookies file's text, for yt-dlp --cookies. */
  cookies?: string;
  proxy?: UpstreamProxy;
  /** Every string that must never be printed: the proxy URL and its parts, the cookie values. */
  sensitive: string[];
}

export interface ReadSourceSecretsOptions {
  vaultUri: string;
  /** The worker's user-assigned identity; omitted means the system-assigned one. */
  identityClientId?: string;
  /** false: the job opted out, so the cookies secret is not even read. */
  useCookies: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Longest the reads may take together; default 60 s. */
  timeoutMs?: number;
}

/**
 * The client checks that a vault's challenge names a resource under the vault's own domain; a vault
 * on a loopback address (the local stack's) cannot pass that, so the check is off only there.
 */
function isLoopbackVault(vaultUri: string): boolean {
  const host = new URL(vaultUri).hostname.replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}

interface SecretClientLike {
  getSecret(name: string, options?: { abortSignal?: AbortSignal }): Promise<{ value?: string }>;
}

/** One secret's value; undefined when it does not exist or is empty (the operator has not set it). */
async function readOne(client: SecretClientLike, name: string, signal: AbortSignal) {
  try {
    const secret = await client.getSecret(name, { abortSignal: signal });
    const value = secret.value ?? '';
    return value.trim() === '' ? undefined : value;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404) return undefined;
    const denied = status === 401 || status === 403;
    const identity = ['AuthenticationError', 'CredentialUnavailableError'].includes((error as Error).name);
    throw new WorkerError(
      'SOURCE_SECRETS_UNAVAILABLE',
      denied
        ? `The worker's identity may not read the Key Vault secret "${name}" (HTTP ${status}); grant it Key Vault Secrets User on that secret.`
        : identity
          ? `The worker's managed identity could not get a token for Key Vault to read "${name}".`
          : `The Key Vault secret "${name}" could not be read${status ? ` (HTTP ${status})` : ''}; try again later.`,
      { retryable: !denied && !identity, cause: error },
    );
  }
}

/**
 * yt-dlp (through Python's cookie jar in some versions) refuses a cookies file whose first line is not
 * the Netscape header, which some exporters leave out; the lines themselves were checked already.
 */
function withNetscapeHeader(text: string): string {
  return /^#\s*(Netscape )?HTTP Cookie File/i.test(text) ? text : `# Netscape HTTP Cookie File\n${text}`;
}

/** Lines of a Netscape cookies file: comments, blank lines, or 7 tab-separated fields. */
function cookieValues(text: string): string[] {
  const values: string[] = [];
  let cookies = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const entry = line.startsWith('#HttpOnly_') ? line.slice('#HttpOnly_'.length) : line;
    if (entry.trim() === '' || entry.startsWith('#')) return;
    const fields = entry.split('\t');
    if (fields.length !== 7)
      throw new WorkerError(
        'SOURCE_SECRETS_INVALID',
        `The Key Vault secret "${SOURCE_SECRET_NAMES.cookies}" is not a Netscape cookies file: line ${index + 1} has ${fields.length} tab-separated fields, not 7. Export the cookies in Netscape (cookies.txt) format.`,
      );
    cookies += 1;
    values.push(fields[6] as string);
  });
  if (cookies === 0)
    throw new WorkerError(
      'SOURCE_SECRETS_INVALID',
      `The Key Vault secret "${SOURCE_SECRET_NAMES.cookies}" holds no cookie; export the cookies in Netscape (cookies.txt) format, or empty the secret to run without cookies.`,
    );
  return values;
}

/**
 * Reads the optional cookies file and proxy URL with the worker's managed identity. An unset or
 * empty secret means "run without it"; a secret that exists but cannot be read or used fails the
 * job (SOURCE_SECRETS_UNAVAILABLE / SOURCE_SECRETS_INVALID), because running without what the
 * operator configured would fail less clearly or leave from the wrong address. Values are never
 * logged; errors name the secret, never its content.
 */
export async function readSourceSecrets(options: ReadSourceSecretsOptions): Promise<SourceSecrets> {
  const [{ SecretClient }, { ManagedIdentityCredential }] = await Promise.all([
    import('@azure/keyvault-secrets'),
    import('@azure/identity'),
  ]);
  const credential = new ManagedIdentityCredential(
    options.identityClientId ? { clientId: options.identityClientId } : {},
  );
  const client = new SecretClient(options.vaultUri, credential, {
    disableChallengeResourceVerification: isLoopbackVault(options.vaultUri),
    retryOptions: { maxRetries: 2, retryDelayInMs: 500, maxRetryDelayInMs: 2000 },
  });
  // A vault that never answers must not hold the job until its deadline.
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const [cookiesText, proxyText] = await Promise.all([
    options.useCookies ? readOne(client, SOURCE_SECRET_NAMES.cookies, signal) : undefined,
    readOne(client, SOURCE_SECRET_NAMES.proxyUrl, signal),
  ]);

  const sensitive: string[] = [];
  let proxy: UpstreamProxy | undefined;
  if (proxyText !== undefined) {
    sensitive.push(proxyText.trim());
    try {
      proxy = parseUpstreamProxy(proxyText);
    } catch (error) {
      if (!(error instanceof UpstreamProxyUrlError)) throw error;
      throw new WorkerError(
        'SOURCE_SECRETS_INVALID',
        `The Key Vault secret "${SOURCE_SECRET_NAMES.proxyUrl}" is unusable: ${error.message}.`,
      );
    }
    const url = new URL(proxyText.trim());
    // parseUpstreamProxy has decoded both already, so these cannot throw.
    if (url.password) sensitive.push(url.password, decodeURIComponent(url.password));
    if (url.username) sensitive.push(`${url.username}:`);
  }
  if (cookiesText !== undefined)
    // Short values (flags such as "1") would redact ordinary text; real session cookies are long.
    sensitive.push(...cookieValues(cookiesText).filter((value) => value.length >= 6));

  options.log(
    `source secrets: cookies ${cookiesText !== undefined ? 'set' : options.useCookies ? 'not set' : 'not used (the job opted out)'}, proxy ${proxy ? 'set' : 'not set'}`,
  );
  return {
    ...(cookiesText !== undefined ? { cookies: withNetscapeHeader(cookiesText) } : {}),
    ...(proxy ? { proxy } : {}),
    sensitive: [...new Set(sensitive)].sort((a, b) => b.length - a.length),
  };
}

/** Replaces every sensitive string in `text`; longest first, so a value inside another goes too. */
export function redactSecrets(text: string, sensitive: readonly string[]): string {
  let out = text;
  for (const value of sensitive) if (value) out = out.split(value).join('[redacted]');
  return out;
}
