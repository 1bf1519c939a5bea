import { createHmac, timingSafeEqual } from 'node:crypto';
import { getConfig } from '../config.js';
import { CallbackSigningKeySource } from './callbackSigningKey.js';
import { hostBlobServiceClient } from './hostBlobServiceClient.js';

/**
 * One run of an instance: its id and when that run was created. A restart or a re-submission under
 * the same id is a new run with a new creation time.
 */
export interface JobRun {
  instanceId: string;
  createdTime: Date | string;
  /** Which attempt of the job (1 when absent): each attempt's container gets its own token. */
  attempt?: number;
}

/**
 * The per-run token: HMAC-SHA256 of the instance id and the run's creation time under the app's
 * signing key (and the attempt, from the second on), base64url. Bound to the run and the attempt, so
 * an earlier container's token is refused once the instance was restarted, started again under the
 * same id, or moved on to its next attempt.
 */
export function signCallbackToken(key: Buffer, run: JobRun): string {
  const created = new Date(run.createdTime).toISOString();
  const attempt = run.attempt !== undefined && run.attempt > 1 ? `\n${run.attempt}` : '';
  return createHmac('sha256', key)
    .update(`${run.instanceId}\n${created}${attempt}`, 'utf8')
    .digest('base64url');
}

/** Compares in constant time, so a caller cannot learn a token byte by byte from response times. */
export function tokensMatch(expected: string, presented: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  // Equal lengths for timingSafeEqual; a length mismatch still costs one comparison.
  return timingSafeEqual(a, b.length === a.length ? b : a) && a.length === b.length;
}

/** Issues and checks callback tokens with one signing key source. */
export class CallbackTokens {
  constructor(private readonly source: CallbackSigningKeySource) {}

  async tokenFor(run: JobRun): Promise<string> {
    return signCallbackToken(await this.source.key(), run);
  }

  async verify(run: JobRun, presented: string): Promise<boolean> {
    return tokensMatch(await this.tokenFor(run), presented);
  }
}

let processTokens: CallbackTokens | undefined;

/** The app's tokens: CALLBACK_SIGNING_KEY, or the key kept in the host storage account. */
export function appCallbackTokens(): CallbackTokens {
  processTokens ??= new CallbackTokens(
    new CallbackSigningKeySource({
      configuredKey: getConfig().callbackSigningKey,
      blobService: () => hostBlobServiceClient(),
    }),
  );
  return processTokens;
}

/** For tests that change the environment between cases. */
export function resetAppCallbackTokens(): void {
  processTokens = undefined;
}

/** The token a job's container sends as `Authorization: Bearer <token>` on its callbacks. */
export function callbackTokenFor(run: JobRun): Promise<string> {
  return appCallbackTokens().tokenFor(run);
}
