// Over 400 lines: every case of the job callback's contract, on one shared Azurite and app set-up.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetConfigCache } from '../../src/app/config.js';
import { CallbackSigningKeySource } from '../../src/app/callback/callbackSigningKey.js';
import {
  CallbackTokens,
  callbackTokenFor,
  resetAppCallbackTokens,
} from '../../src/app/callback/callbackToken.js';
import { receiveJobCallback } from '../../src/app/functions/jobCallback.js';
import { BlobJobProgressLog, type JobProgressLog } from '../../src/app/jobs/jobProgressLog.js';
import { BlobJobSignalStore, type JobSignalStore } from '../../src/app/jobs/jobSignals.js';
import { useAzuriteBlobService } from '../support/useAzurite.js';
import {
  MAX_EVENT_BYTES,
  MAX_LISTING_EVENT_BYTES,
  type JobProgress,
  type JobResult,
} from '../../src/shared/index.js';
import { useSettings, validAppSettings } from './support/appSettings.js';
import { InMemoryDurableBackend } from './support/inMemoryDurableBackend.js';
import { answerOf, httpRequest } from './support/invoke.js';

const backend = new InMemoryDurableBackend();
const JOB = 'job-0123456789abcdef';
const OTHER_JOB = 'job-fedcba9876543210';
let restoreSettings: () => void = () => undefined;

const progress: JobProgress = { phase: 'Downloading', percent: 42.5, bytes: 1000, totalBytes: 2400 };
const finished: JobResult = {
  status: 'Succeeded',
  outputs: [
    {
      blobName: `${JOB}.mp4`,
      url: `https://media.blob.core.windows.net/media/${JOB}.mp4`,
      contentType: 'video/mp4',
      bytes: 123456,
      sha256: 'a'.repeat(64),
    },
  ],
  media: {
    durationSeconds: 3,
    width: 320,
    height: 240,
    videoCodec: 'h264',
    audioCodec: 'aac',
    bitrate: 300000,
  },
  timings: { downloadMs: 10, processMs: 20, uploadMs: 5, totalMs: 35 },
};

beforeAll(() => backend.start());
afterAll(() => backend.stop());
beforeEach(() => {
  backend.instances.clear();
  backend.events.length = 0;
  backend.addInstance(JOB, 'Running');
  backend.addInstance(OTHER_JOB, 'Running');
  restoreSettings = useSettings(validAppSettings());
  resetConfigCache();
  resetAppCallbackTokens();
});
afterEach(() => {
  restoreSettings();
  resetConfigCache();
  resetAppCallbackTokens();
});

async function callback(
  instanceId: string,
  eventName: string,
  body: string | undefined,
  headers: Record<string, string>,
  tokens?: CallbackTokens,
  progressLog?: JobProgressLog,
  signals?: JobSignalStore,
) {
  const { context, client } = backend.invocation('jobCallback');
  const request = httpRequest({
    url: `http://127.0.0.1:7071/api/jobs/${instanceId}/events/${eventName}`,
    params: { instanceId, eventName },
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return answerOf(await receiveJobCallback(request, client, context, tokens, progressLog, signals));
}

/** The token of the instance's current run (any time for an instance the backend does not know). */
const tokenOf = (instanceId: string) =>
  callbackTokenFor({
    instanceId,
    createdTime: backend.instances.get(instanceId)?.createdTime ?? '2026-01-01T00:00:00.000Z',
  });
const bearer = async (instanceId: string) => ({ authorization: `Bearer ${await tokenOf(instanceId)}` });
const codeOf = (body: unknown) => (body as { error: { code: string } }).error.code;

describe('POST /api/jobs/{instanceId}/events/{eventName}', () => {
  it('delivers a valid JobProgress event to the instance and answers 202', async () => {
    const answer = await callback(JOB, 'JobProgress', JSON.stringify(progress), await bearer(JOB));
    expect(answer.status).toBe(202);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(backend.events).toEqual([{ instanceId: JOB, eventName: 'JobProgress', data: progress }]);
  });

  it('delivers a valid JobFinished event to the instance', async () => {
    const answer = await callback(JOB, 'JobFinished', JSON.stringify(finished), await bearer(JOB));
    expect(answer.status).toBe(202);
    expect(backend.events).toEqual([{ instanceId: JOB, eventName: 'JobFinished', data: finished }]);
  });

  it('delivers a failure result too', async () => {
    const failed: JobResult = {
      status: 'Failed',
      error: { code: 'NOT_FOUND', message: 'The source answered 404.', retryable: false },
    };
    const answer = await callback(JOB, 'JobFinished', JSON.stringify(failed), await bearer(JOB));
    expect(answer.status).toBe(202);
    expect(backend.events[0]?.data).toEqual(failed);
  });

  it('answers 401 without a token', async () => {
    const answer = await callback(JOB, 'JobProgress', JSON.stringify(progress), {});
    expect(answer.status).toBe(401);
    expect(codeOf(answer.body)).toBe('UNAUTHORIZED');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(backend.events).toHaveLength(0);
  });

  it('answers 401 to a wrong token, a truncated token and a non-Bearer scheme', async () => {
    const good = await tokenOf(JOB);
    for (const authorization of [
      'Bearer not-the-token',
      `Bearer ${good.slice(0, -1)}`,
      `Bearer ${good}x`,
      `Basic ${good}`,
      good,
    ]) {
      const answer = await callback(JOB, 'JobProgress', JSON.stringify(progress), { authorization });
      expect(answer.status, authorization).toBe(401);
    }
    expect(backend.events).toHaveLength(0);
  });

  it("answers 401 to another job's token", async () => {
    const answer = await callback(JOB, 'JobFinished', JSON.stringify(finished), await bearer(OTHER_JOB));
    expect(answer.status).toBe(401);
    expect(backend.events).toHaveLength(0);
  });

  it('answers 401 to a token made with a different signing key', async () => {
    const foreign = new CallbackTokens(
      new CallbackSigningKeySource({ configuredKey: 'another-key-'.repeat(4) }),
    );
    const answer = await callback(JOB, 'JobProgress', JSON.stringify(progress), {
      authorization: `Bearer ${await foreign.tokenFor({ instanceId: JOB, createdTime: backend.instances.get(JOB)?.createdTime ?? '' })}`,
    });
    expect(answer.status).toBe(401);
  });

  it('checks the token before revealing whether an instance exists or an event name is known', async () => {
    const unknownInstance = await callback('no-such-job', 'JobProgress', JSON.stringify(progress), {
      authorization: 'Bearer guess',
    });
    const unknownEvent = await callback(JOB, 'Terminate', '{}', { authorization: 'Bearer guess' });
    const finishedJob = 'job-finished';
    backend.addInstance(finishedJob, 'Completed');
    const gone = await callback(finishedJob, 'JobProgress', JSON.stringify(progress), {
      authorization: 'Bearer guess',
    });
    const oversize = await callback(JOB, 'JobProgress', 'x'.repeat(MAX_EVENT_BYTES + 1), {
      authorization: 'Bearer guess',
    });
    expect([unknownInstance, unknownEvent, gone, oversize].map((a) => a.status)).toEqual([
      401, 401, 401, 401,
    ]);
  });

  it("delivers a playlist's listing larger than a progress report, and refuses one over its own limit", async () => {
    // 200 items with long URLs: well over MAX_EVENT_BYTES, within MAX_LISTING_EVENT_BYTES.
    const items = Array.from({ length: 200 }, (_, i) => ({
      url: `https://media.example.com/${'a'.repeat(900)}/${i}.mp4`,
      archiveKey: `generic ${i}`,
      title: `Episode ${i}`,
    }));
    const listing = JSON.stringify({ title: 'Feed', items });
    expect(listing.length).toBeGreaterThan(MAX_EVENT_BYTES);
    const answer = await callback(JOB, 'PlaylistListed', listing, await bearer(JOB));
    expect(answer.status).toBe(202);
    expect(backend.events).toEqual([
      { instanceId: JOB, eventName: 'PlaylistListed', data: JSON.parse(listing) },
    ]);

    const tooMany = JSON.stringify({ items: [...items, items[0]] });
    expect((await callback(JOB, 'PlaylistListed', tooMany, await bearer(JOB))).status).toBe(400);
    const tooBig = JSON.stringify({ title: 'x'.repeat(MAX_LISTING_EVENT_BYTES), items: [] });
    expect((await callback(JOB, 'PlaylistListed', tooBig, await bearer(JOB))).status).toBe(413);
    expect(backend.events).toHaveLength(1);
  });

  it('answers 404 UNKNOWN_EVENT to an event name other than JobProgress, JobFinished and PlaylistListed', async () => {
    for (const name of ['Terminate', 'jobprogress', 'JobFinished2', '__proto__']) {
      const answer = await callback(JOB, name, JSON.stringify(progress), await bearer(JOB));
      expect(answer.status, name).toBe(404);
      expect(codeOf(answer.body)).toBe('UNKNOWN_EVENT');
    }
    expect(backend.events).toHaveLength(0);
  });

  it('answers 401 to any token for an instance that does not exist: there is no run to bind it to', async () => {
    const answer = await callback(
      'job-never-started',
      'JobProgress',
      JSON.stringify(progress),
      await bearer('job-never-started'),
    );
    expect(answer.status).toBe(401);
    expect(codeOf(answer.body)).toBe('UNAUTHORIZED');
  });

  it("answers 401 to an earlier run's token once the instance was started again under the same id", async () => {
    const earlier = await bearer(JOB);
    const instance = backend.instances.get(JOB);
    if (!instance) throw new Error('no instance');
    instance.createdTime = new Date(Date.parse(instance.createdTime) + 1000).toISOString();
    const answer = await callback(JOB, 'JobProgress', JSON.stringify(progress), earlier);
    expect(answer.status).toBe(401);
    expect((await callback(JOB, 'JobProgress', JSON.stringify(progress), await bearer(JOB))).status).toBe(
      202,
    );
    expect(backend.events).toHaveLength(1);
  });

  it.each(['Completed', 'Failed', 'Terminated'])(
    'answers 410 JOB_FINISHED when the job is %s',
    async (state) => {
      const id = `job-${state.toLowerCase()}`;
      backend.addInstance(id, state);
      const answer = await callback(id, 'JobFinished', JSON.stringify(finished), await bearer(id));
      expect(answer.status).toBe(410);
      expect(codeOf(answer.body)).toBe('JOB_FINISHED');
      expect(backend.events).toHaveLength(0);
    },
  );

  it('answers 413 to a payload over MAX_EVENT_BYTES', async () => {
    const big = JSON.stringify({ ...progress, detail: 'x'.repeat(MAX_EVENT_BYTES) });
    const answer = await callback(JOB, 'JobProgress', big, await bearer(JOB));
    expect(answer.status).toBe(413);
    expect(codeOf(answer.body)).toBe('REQUEST_TOO_LARGE');
    expect(backend.events).toHaveLength(0);
  });

  it.each([
    ['not JSON', 'JobProgress', '{phase:', 'INVALID_JSON'],
    ['an unknown phase', 'JobProgress', JSON.stringify({ phase: 'Mining' }), 'INVALID_PAYLOAD'],
    [
      'percent over 100',
      'JobProgress',
      JSON.stringify({ phase: 'Downloading', percent: 101 }),
      'INVALID_PAYLOAD',
    ],
    ['an extra field', 'JobProgress', JSON.stringify({ ...progress, command: 'rm' }), 'INVALID_PAYLOAD'],
    ['a result without status', 'JobFinished', JSON.stringify({ outputs: [] }), 'INVALID_PAYLOAD'],
    [
      'a success without outputs',
      'JobFinished',
      JSON.stringify({ ...finished, outputs: [] }),
      'INVALID_PAYLOAD',
    ],
    ['progress sent as JobFinished', 'JobFinished', JSON.stringify(progress), 'INVALID_PAYLOAD'],
    ['an empty body', 'JobProgress', '', 'INVALID_JSON'],
  ])('answers 400 to %s', async (_name, eventName, body, code) => {
    const answer = await callback(JOB, eventName, body, await bearer(JOB));
    expect(answer.status).toBe(400);
    expect(codeOf(answer.body)).toBe(code);
    expect(backend.events).toHaveLength(0);
  });

  it('answers 415 to a payload that is not JSON by content type', async () => {
    const answer = await callback(JOB, 'JobProgress', JSON.stringify(progress), {
      ...(await bearer(JOB)),
      'content-type': 'text/plain',
    });
    expect(answer.status).toBe(415);
  });

  it('answers 503 SIGNING_KEY_UNAVAILABLE when the key cannot be loaded, and retry is advised', async () => {
    const broken = new CallbackTokens(
      new CallbackSigningKeySource({
        blobService: () => {
          throw new Error('storage unreachable');
        },
      }),
    );
    const answer = await callback(
      JOB,
      'JobProgress',
      JSON.stringify(progress),
      { authorization: 'Bearer x' },
      broken,
    );
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: { code: 'SIGNING_KEY_UNAVAILABLE', retryable: true } });
    expect(answer.text).not.toContain('storage unreachable');
  });
});

describe('progress outside the orchestration, and attempts', () => {
  const log: JobProgressLog = new BlobJobProgressLog(useAzuriteBlobService());

  const tokenOfAttempt = (instanceId: string, attempt: number) =>
    callbackTokenFor({ instanceId, createdTime: backend.instances.get(instanceId)!.createdTime, attempt });
  const send = async (name: string, payload: unknown, token: string) =>
    callback(JOB, name, JSON.stringify(payload), { authorization: `Bearer ${token}` }, undefined, log);

  it('records every progress report but raises only a change of phase into the orchestration', async () => {
    const token = await tokenOf(JOB);
    expect((await send('JobProgress', { phase: 'Downloading', percent: 1 }, token)).status).toBe(202);
    // The orchestration has now published the new phase; reports within it only update the log.
    backend.instances.get(JOB)!.customStatus = { phase: 'Downloading', percent: 1 };
    for (const percent of [10, 20, 30, 40.5])
      expect((await send('JobProgress', { phase: 'Downloading', percent }, token)).status).toBe(202);
    expect(await log.latest(JOB)).toMatchObject({
      attempt: 1,
      progress: { phase: 'Downloading', percent: 40.5 },
    });
    await send('JobProgress', { phase: 'Processing', percent: 0 }, token);
    await send('JobFinished', finished, token);
    expect(backend.events.map((e) => [e.eventName, (e.data as { phase?: string }).phase])).toEqual([
      ['JobProgress', 'Downloading'],
      ['JobProgress', 'Processing'],
      ['JobFinished', undefined],
    ]);
  });

  it('takes reports of the current attempt under its own event names and refuses an earlier attempt’s token', async () => {
    backend.instances.get(JOB)!.customStatus = { phase: 'Downloading', attempt: 2 };
    const earlier = await send('JobFinished', finished, await tokenOf(JOB));
    expect(earlier.status).toBe(401);
    const current = await tokenOfAttempt(JOB, 2);
    expect((await send('JobProgress', { phase: 'Downloading', percent: 5 }, current)).status).toBe(202);
    expect((await send('JobProgress', { phase: 'Uploading', percent: 5 }, current)).status).toBe(202);
    expect((await send('JobFinished', finished, current)).status).toBe(202);
    expect(backend.events.map((e) => e.eventName)).toEqual(['JobProgressAttempt2', 'JobFinishedAttempt2']);
    expect(await log.latest(JOB)).toMatchObject({ attempt: 2, progress: { phase: 'Uploading' } });
  });

  it('raises the report as an event when the log cannot be written, so no progress is lost', async () => {
    backend.instances.get(JOB)!.customStatus = { phase: 'Downloading' };
    const unwritable = new BlobJobProgressLog(() => {
      throw new Error('host storage unreachable');
    });
    const answer = await callback(
      JOB,
      'JobProgress',
      JSON.stringify({ phase: 'Downloading', percent: 3 }),
      await bearer(JOB),
      undefined,
      unwritable,
    );
    expect(answer.status).toBe(202);
    expect(backend.events.map((e) => e.eventName)).toEqual(['JobProgress']);
  });
});

describe('the final report kept outside the orchestration, and a run that continued as new', () => {
  const signals: JobSignalStore = new BlobJobSignalStore(useAzuriteBlobService());

  const send = async (name: string, payload: unknown, token: string) =>
    callback(
      JOB,
      name,
      JSON.stringify(payload),
      { authorization: `Bearer ${token}` },
      undefined,
      undefined,
      signals,
    );

  it('records the final report for its run and attempt before raising it', async () => {
    const createdTime = backend.instances.get(JOB)!.createdTime;
    const runCreatedAt = new Date(createdTime).toISOString();
    expect((await send('JobFinished', finished, await tokenOf(JOB))).status).toBe(202);
    expect(backend.events.map((e) => e.eventName)).toEqual(['JobFinished']);
    expect(await signals.read(JOB, { runCreatedAt, attempt: 1 })).toEqual({
      finished,
      cancelRequested: false,
    });
    // Another attempt, or another run under the same id, finds nothing.
    expect(await signals.read(JOB, { runCreatedAt, attempt: 2 })).toEqual({ cancelRequested: false });
    const laterRun = new Date(Date.parse(runCreatedAt) + 1).toISOString();
    expect(await signals.read(JOB, { runCreatedAt: laterRun, attempt: 1 })).toEqual({
      cancelRequested: false,
    });
    // Progress is not a final report: nothing about it is kept here.
    expect(await signals.read(OTHER_JOB, { runCreatedAt, attempt: 1 })).toEqual({ cancelRequested: false });
  });

  it('tells a restart of an ended run from a live one by the end record of that run', async () => {
    const runCreatedAt = new Date(backend.instances.get(JOB)!.createdTime).toISOString();
    expect((await send('JobFinished', finished, await tokenOf(JOB))).status).toBe(202);
    await signals.recordEnded(JOB, { runCreatedAt, endedAt: new Date().toISOString() });
    expect(await signals.read(JOB, { runCreatedAt, attempt: 1 })).toEqual({
      cancelRequested: false,
      runEnded: true,
    });
    const laterRun = new Date(Date.parse(runCreatedAt) + 1).toISOString();
    expect(await signals.read(JOB, { runCreatedAt: laterRun, attempt: 1 })).toEqual({
      cancelRequested: false,
    });
  });

  it('keeps taking the run’s token after a continue-as-new moved the backend’s createdTime', async () => {
    const instance = backend.instances.get(JOB)!;
    const runCreatedAt = new Date(instance.createdTime).toISOString();
    const runToken = await tokenOf(JOB);
    // The next generation: the backend reports its own creation time, customStatus carries the run's.
    instance.createdTime = new Date(Date.parse(runCreatedAt) + 600_000).toISOString();
    instance.customStatus = { phase: 'Downloading', percent: 40, createdAt: runCreatedAt };
    const generationToken = await tokenOf(JOB);
    expect((await send('JobProgress', { phase: 'Downloading', percent: 41 }, generationToken)).status).toBe(
      401,
    );
    expect((await send('JobFinished', finished, runToken)).status).toBe(202);
    expect(await signals.read(JOB, { runCreatedAt, attempt: 1 })).toMatchObject({ finished });
  });
});
