import { describe, expect, it } from 'vitest';
import type { JobSucceeded } from '../../../src/shared/contracts.js';
import { startJobReplay, succeededWith } from '../support/jobOrchestratorFixtures.js';
import type { OrchestratorReplay } from '../../support/orchestratorReplay.js';

const INSTANCE_ID = 'job-distrust';
const OWN_BLOB = `${INSTANCE_ID}/${INSTANCE_ID}.mp4`;
const GOOD_INPUT = {
  request: { url: 'https://media.example.com/clip.webm', maxAttempts: 1 },
  outputBlobName: OWN_BLOB,
  submittedAt: '2026-03-01T10:00:00.000Z',
};

const result = (blobName: string, url: string): JobSucceeded => succeededWith(blobName, url);

const startWith = (input: unknown) => startJobReplay({ instanceId: INSTANCE_ID, input });

describe('jobOrchestrator started with an input no starter checked', () => {
  it.each([
    ['a file: URL', { ...GOOD_INPUT, request: { url: 'file:///etc/passwd' } }, /UNSUPPORTED_SCHEME/],
    [
      'a metadata address',
      { ...GOOD_INPUT, request: { url: 'http://169.254.169.254/' } },
      /SOURCE_ADDRESS_BLOCKED/,
    ],
    [
      'maxBytes above the ceiling',
      { ...GOOD_INPUT, request: { url: GOOD_INPUT.request.url, maxBytes: 1e15 } },
      /maxBytes/,
    ],
    [
      'an unknown request field',
      { ...GOOD_INPUT, request: { url: GOOD_INPUT.request.url, cmd: 'x' } },
      /UNKNOWN_FIELD/,
    ],
    [
      'a blob name escaping the container',
      { ...GOOD_INPUT, outputBlobName: '../mediaferry-system/x' },
      /prefix/,
    ],
    ['another job’s blob', { ...GOOD_INPUT, outputBlobName: 'job-other/job-other.mp4' }, /prefix/],
    [
      'a ".." segment under its own prefix',
      { ...GOOD_INPUT, outputBlobName: `${INSTANCE_ID}/../x.mp4` },
      /relative path/,
    ],
    [
      'a source blob outside incoming',
      { ...GOOD_INPUT, request: { sourceBlob: 'media/other-job/secret.mp4' } },
      /INVALID_SOURCE_BLOB/,
    ],
    [
      'a source blob with a ".." segment',
      { ...GOOD_INPUT, request: { sourceBlob: 'incoming/../media/x.mp4' } },
      /INVALID_SOURCE_BLOB/,
    ],
    [
      'a source blob together with a URL',
      { ...GOOD_INPUT, request: { sourceBlob: 'incoming/a.mp4', url: GOOD_INPUT.request.url } },
      /UNKNOWN_FIELD/,
    ],
    ['no input at all', null, /must be an object/],
  ])('fails INVALID_INPUT for %s and creates nothing', async (_name, input, detail) => {
    const job = await startWith(input);
    expect(job.reply.failed).toBe(true);
    expect(job.reply.error).toMatch(/^INVALID_INPUT: The job input was refused: /);
    expect(job.reply.error).toMatch(detail);
    expect(job.customStatus).toMatchObject({
      phase: 'Done',
      error: { code: 'INVALID_INPUT', retryable: false },
    });
    // Nothing scheduled beyond reading the settings: no create, and no delete of a group never made.
    expect(job.activities().map((a) => a.name)).toEqual(['loadJobSettings']);
  });
});

describe('jobOrchestrator with an uploaded blob as its source', () => {
  it('creates the container group for a blob in incoming with the request as given', async () => {
    const request = { sourceBlob: 'incoming/u1/talk.mov', preset: 'streaming' };
    const job = await startWith({ ...GOOD_INPUT, request });
    const created = job.activities().find((a) => a.name === 'createJobContainer');
    expect(created?.input).toMatchObject({ instanceId: INSTANCE_ID, request, outputBlobName: OWN_BLOB });
  });
});

describe('jobOrchestrator judging a JobFinished report', () => {
  async function reportWith(report: JobSucceeded): Promise<OrchestratorReplay> {
    const job = await startWith(GOOD_INPUT);
    await job.completeActivity('createJobContainer', { ok: true, groupName: 'g', priority: 'Regular' });
    await job.raiseEvent('JobFinished', report);
    await job.completeActivity('deleteJobContainer', { ok: true, groupName: 'g', existed: true });
    // A refused report fails the job, so its blobs are removed before it ends.
    if (!job.reply.isDone) await job.completeActivity('deleteJobBlobs', { deleted: 1 });
    return job;
  }

  it('accepts an output under its own prefix on the configured media endpoint', async () => {
    const report = result(OWN_BLOB, `https://acct.blob.core.windows.net/media/${OWN_BLOB}`);
    const job = await reportWith(report);
    expect(job.reply).toMatchObject({ isDone: true, failed: false, output: report });
  });

  it.each([
    [
      'another job’s blob',
      result('job-other/a.mp4', 'https://acct.blob.core.windows.net/media/job-other/a.mp4'),
    ],
    ['another host', result(OWN_BLOB, `https://evil.example.com/media/${OWN_BLOB}`)],
    [
      'another container',
      result(OWN_BLOB, `https://acct.blob.core.windows.net/mediaferry-system/${OWN_BLOB}`),
    ],
    [
      'a URL with a query string',
      result(OWN_BLOB, `https://acct.blob.core.windows.net/media/${OWN_BLOB}?sig=x`),
    ],
    ['a ".." blob name', result(`${INSTANCE_ID}/../x.mp4`, 'https://acct.blob.core.windows.net/media/x.mp4')],
  ])('fails OUTPUT_OUTSIDE_JOB for %s and still deletes the group', async (_name, report) => {
    const job = await reportWith(report);
    expect(job.reply.failed).toBe(true);
    expect(job.reply.error).toMatch(/^OUTPUT_OUTSIDE_JOB: The reported result was refused\./);
    expect(job.activities('deleteJobContainer')).toHaveLength(1);
    expect(job.activities('deleteJobBlobs').map((a) => a.input)).toEqual([{ instanceId: INSTANCE_ID }]);
  });
});

describe('jobOrchestrator failure messages from the engine', () => {
  it('reads an activity failure recorded with FailureDetails without the "Error:" type prefix', async () => {
    const job = await startWith(GOOD_INPUT);
    // The engine records a thrown error's type; durable-functions then reports "<ErrorType>: <message>".
    for (let attempt = 0; attempt < 5; attempt++)
      await job.failActivity('createJobContainer', 'Http503: the service is busy', 'Error');
    await job.completeActivity('deleteJobContainer', { ok: true, groupName: 'g', existed: false });
    await job.completeActivity('deleteJobBlobs', { deleted: 0 });
    expect(job.reply.error).toBe(
      'CONTAINER_CREATE_FAILED: The container group could not be created: Http503: the service is busy',
    );
  });
});
