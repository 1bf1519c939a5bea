import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { callerOf, ownerOf } from '../auth/caller.js';
import { getConfig, type AppConfig } from '../config.js';
import { HttpError } from '../errors/HttpError.js';
import { badRequest } from '../http/badRequest.js';
import { refuseBeyondOperatorLimits } from '../jobs/operatorLimits.js';
import { jsonResponse } from '../http/jsonResponse.js';
import { mediaTypeOf, readJsonBody, unsupportedMediaType } from '../http/readLimitedBody.js';
import { withErrorResponses } from '../http/withErrorResponses.js';
import { methodNotAllowed } from '../jobs/methodNotAllowed.js';
import { jobUrlsFor } from '../jobs/jobUrls.js';
import { INCOMING_CONTAINER, parseBlobJobRequest } from '../../shared/blobSource.js';
import { MAX_REQUEST_BYTES } from '../../shared/contracts.js';
import type { UploadAnswer } from '../../shared/uploadAnswer.js';
import { UploadLinks, type UploadLink } from './UploadLinks.js';
import { UploadRecords, type UploadRecord } from './uploadRecords.js';
import { parseUploadRequest } from './uploadRequest.js';
import { uploadJobId } from './uploadJobIds.js';

/** What POST /api/uploads needs besides the request; tests pass their own. */
export interface UploadsApiDependencies {
  config: Pick<
    AppConfig,
    | 'allowPrivateSources'
    | 'allowedPrivateSources'
    | 'uploadMaxBytes'
    | 'maxBytesLimit'
    | 'maxDurationLimitSeconds'
    | 'email'
  >;
  uploadLink: (blobName: string) => Promise<UploadLink>;
  saveRecord: (record: UploadRecord) => Promise<void>;
  now?: () => Date;
}

let links: UploadLinks | undefined;
function appDependencies(): UploadsApiDependencies {
  const config = getConfig();
  links ??= UploadLinks.fromConfig(config);
  const records = new UploadRecords();
  return {
    config,
    uploadLink: (blobName) => links!.uploadLink(blobName),
    saveRecord: (record) => records.save(record),
  };
}

/**
 * POST /api/uploads: checks the file's declared name, type and size and the job options, records
 * them, and answers 201 with a link that can create exactly one blob in `incoming`. The job starts
 * when that blob arrives; until then GET /api/jobs/{jobId} answers 404. Nothing is issued for a
 * request that is refused.
 */
export function createUpload(
  request: HttpRequest,
  context: InvocationContext,
  deps: () => UploadsApiDependencies = appDependencies,
): Promise<HttpResponseInit> {
  return withErrorResponses(context, async () => {
    if (request.method !== 'POST') throw methodNotAllowed(request.method, ['POST']);
    if (mediaTypeOf(request) !== 'application/json')
      throw unsupportedMediaType('Send the upload request as application/json.');
    const value = await readJsonBody(request, MAX_REQUEST_BYTES);
    const { config, uploadLink, saveRecord, now = () => new Date() } = deps();
    const policy = {
      allowPrivateSources: config.allowPrivateSources,
      allowedPrivateSources: config.allowedPrivateSources,
    };
    const parsed = parseUploadRequest(value, policy);
    if (!parsed.ok) throw badRequest(parsed.problem.code, parsed.problem.message, parsed.problem.field);
    const { filename, contentType, bytes, ...options } = parsed.request;
    if (bytes !== undefined && bytes > config.uploadMaxBytes)
      throw new HttpError(
        413,
        'TOO_LARGE',
        `The file is ${bytes} bytes; uploads may be at most ${config.uploadMaxBytes} bytes (UPLOAD_MAX_BYTES).`,
        { retryable: false, field: 'bytes' },
      );
    refuseBeyondOperatorLimits(options, config);

    const uploadId = randomUUID().replace(/-/g, '');
    const blobName = `${uploadId}/${filename}`;
    // The job's request as the trigger will build it: refused here, not when the file has arrived.
    const job = parseBlobJobRequest({ sourceBlob: `${INCOMING_CONTAINER}/${blobName}`, ...options }, policy);
    if (!job.ok) throw badRequest(job.problem.code, job.problem.message, job.problem.field);

    const owner = ownerOf(callerOf(request));
    const link = await uploadLink(blobName);
    await saveRecord({
      uploadId,
      blobName,
      contentType,
      ...(bytes !== undefined ? { bytes } : {}),
      options,
      createdAt: now().toISOString(),
      expiresAt: link.expiresAt.toISOString(),
      ...(owner ? { owner } : {}),
    });
    const jobId = uploadJobId(uploadId, owner);
    context.log(`Upload ${uploadId} registered for job ${jobId}.`);
    const answer: UploadAnswer = {
      uploadId,
      uploadUrl: link.url,
      expiresAt: link.expiresAt.toISOString(),
      jobId,
      blobName: `${INCOMING_CONTAINER}/${blobName}`,
    };
    return jsonResponse(201, answer, { Location: jobUrlsFor(request, jobId).jobUri });
  });
}
