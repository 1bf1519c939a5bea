import { createHash, randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { getConfig } from '../config.js';
import {
  MAX_REQUEST_BYTES,
  checkSourceUrl,
  instanceIdForIdempotencyKey,
  outputBlobName,
  parseJobRequest,
  type JobRequest,
} from '../../shared/index.js';
import type { JobOrchestrationInput } from '../orchestrations/jobOrchestrator.js';
import { findInstanceStatus } from '../durable/findInstanceStatus.js';
import { HttpError } from '../errors/HttpError.js';
import { badRequest } from '../http/badRequest.js';
import { refuseBeyondOperatorLimits } from '../jobs/operatorLimits.js';
import {
  mediaTypeOf,
  parseJsonText,
  readLimitedBody,
  unsupportedMediaType,
} from '../http/readLimitedBody.js';
import { withErrorResponses } from '../http/withErrorResponses.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { checkStatusResponse } from '../jobs/checkStatusResponse.js';
import { appSignedSourceStore, hasSignedParts, type SignedSourceStore } from '../jobs/signedSourceStore.js';
import { callerOf, ownedJobId, ownerOf, type JobOwner } from '../auth/caller.js';
import { redactSourceUrl } from '../../shared/redaction/redactSourceUrl.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The durable client methods the starter uses (the real DurableClient satisfies it). */
export type JobStarterClient = Pick<DurableClient, 'startNew' | 'getStatus'>;

/** Content types read as a bare URL: curl -d sends form-urlencoded, and plain text or none is obvious. */
const BARE_URL_TYPES = ['', 'text/plain', 'application/x-www-form-urlencoded'];

/** A bare URL body as curl -d or --data-urlencode send it, or a `url=` form field. */
function bareUrlFrom(body: string): string {
  const text = body.trim();
  if (text.split(/\r?\n|\r/).filter((line) => line.trim() !== '').length > 1)
    throw badRequest('MULTI_LINE_BODY', 'The body holds more than one line; send exactly one URL per job.');
  if (/^url=/i.test(text)) return new URLSearchParams(text).get('url') ?? '';
  if (/^[a-z][a-z0-9+.-]*%3A/i.test(text)) {
    try {
      return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      return text;
    }
  }
  return text;
}

function parseBody(mediaType: string, body: string): unknown {
  if (body.trim() === '')
    throw badRequest(
      'EMPTY_BODY',
      'Send the video URL as the body, or a JSON object such as {"url": "https://..."}.',
    );
  if (mediaType === 'application/json') return parseJsonText(body);
  return { url: bareUrlFrom(body) };
}

function idempotencyKeyOf(request: HttpRequest, job: JobRequest): string | undefined {
  const header = request.headers.get(IDEMPOTENCY_HEADER);
  if (header === null) return job.idempotencyKey;
  const key = header.trim();
  if (!/^[\x21-\x7e]{1,200}$/.test(key))
    throw badRequest(
      'INVALID_IDEMPOTENCY_KEY',
      'The Idempotency-Key header must be 1 to 200 printable ASCII characters without spaces.',
      'Idempotency-Key',
    );
  if (job.idempotencyKey !== undefined && job.idempotencyKey !== key)
    throw badRequest(
      'IDEMPOTENCY_KEY_MISMATCH',
      'The Idempotency-Key header and the idempotencyKey field differ; send one, or the same value in both.',
      'idempotencyKey',
    );
  return key;
}

/** sha256 of the request with its keys sorted: equal for the same job however it was sent. */
function requestFingerprint(job: JobRequest): string {
  const sorted = Object.fromEntries(Object.entries(job).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

/** A request may lower the operator's limits, never raise them above the ceilings. */
export interface StartJobOptions {
  signedSources?: () => SignedSourceStore;
  /** Who the job belongs to; by default the request's signed-in user, if any. */
  owner?: JobOwner;
}

/**
 * POST /api/orchestrator_httpstart: validates a job request and starts one orchestration for it.
 * A repeat with the same idempotency key answers with the job already started, and starts nothing.
 */
export async function startJobFromHttp(
  request: HttpRequest,
  client: JobStarterClient,
  context: InvocationContext,
  options: StartJobOptions = {},
): Promise<HttpResponseInit> {
  const { signedSources = appSignedSourceStore, owner = ownerOf(callerOf(request)) } = options;
  return withErrorResponses(context, async () => {
    const config = getConfig();
    const mediaType = mediaTypeOf(request);
    if (mediaType !== 'application/json' && !BARE_URL_TYPES.includes(mediaType))
      throw unsupportedMediaType(
        `Content-Type ${mediaType} is not accepted; send application/json (a job request) or text/plain (a URL).`,
      );
    const body = await readLimitedBody(request, MAX_REQUEST_BYTES);
    const policy = {
      allowPrivateSources: config.allowPrivateSources,
      allowedPrivateSources: config.allowedPrivateSources,
    };
    const parsed = parseJobRequest(parseBody(mediaType, body), policy);
    if (!parsed.ok) throw badRequest(parsed.problem.code, parsed.problem.message, parsed.problem.field);

    refuseBeyondOperatorLimits(parsed.request, config);
    const idempotencyKey = idempotencyKeyOf(request, parsed.request);
    const job: JobRequest = {
      ...parsed.request,
      // The worker gets the URL in its parsed, normalised form (e.g. spaces percent-encoded).
      url: checkSourceUrl(parsed.request.url, policy).url ?? parsed.request.url,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    };
    // A signed-in user's job ids carry their owner prefix, so keys are per user and listing is a prefix query.
    const instanceId = ownedJobId(
      owner,
      idempotencyKey ? instanceIdForIdempotencyKey(idempotencyKey) : randomUUID().replace(/-/g, ''),
    );

    const fingerprint = requestFingerprint(job);
    /** The job already started under this key, refused when it was started for another request. */
    const existingJob = async () => {
      const existing = await findInstanceStatus(client, instanceId, { showInput: true });
      if (!existing) return undefined;
      const previous = (existing.input as Partial<JobOrchestrationInput> | null)?.requestFingerprint;
      // Jobs started before fingerprints existed are answered as before.
      if (previous !== undefined && previous !== fingerprint)
        throw new HttpError(
          409,
          'IDEMPOTENCY_KEY_REUSED',
          'This idempotency key was already used for a different request; use a new key for a new job.',
          { retryable: false, field: 'idempotencyKey' },
        );
      return checkStatusResponse(request, instanceId);
    };

    if (idempotencyKey) {
      const existing = await existingJob();
      if (existing) {
        context.log(`Job ${instanceId} already exists for this idempotency key; nothing started.`);
        return existing;
      }
    }
    // A signed URL's credentials stay out of the orchestration's input and history: the full URL
    // waits in host storage for the container activity, and the input holds it redacted.
    const signed = hasSignedParts(job.url);
    if (signed) await signedSources().save(instanceId, job.url);
    const input: JobOrchestrationInput = {
      request: signed ? { ...job, url: redactSourceUrl(job.url) } : job,
      outputBlobName: outputBlobName(instanceId, job.outputName),
      submittedAt: new Date().toISOString(),
      requestFingerprint: fingerprint,
      ...(signed ? { signedSource: true } : {}),
      ...(owner ? { owner } : {}),
    };
    try {
      // A playlist is listed and fanned out into child jobs by its own orchestration.
      const orchestrator = job.playlist
        ? FUNCTION_NAMES.playlistOrchestrator
        : FUNCTION_NAMES.jobOrchestrator;
      await client.startNew(orchestrator, { instanceId, input });
    } catch (error) {
      // Two requests with the same key raced: the loser answers with the winner's job.
      const existing = idempotencyKey ? await existingJob() : undefined;
      if (existing) return existing;
      throw error;
    }
    context.log(`Started job ${instanceId} for ${new URL(job.url).host}.`);
    return checkStatusResponse(request, instanceId);
  });
}

df.app.client.http(FUNCTION_NAMES.orchestratorHttpStart, {
  route: 'api/orchestrator_httpstart',
  methods: ['POST'],
  authLevel: 'function',
  handler: (request, client, context) => startJobFromHttp(request, client, context),
});
