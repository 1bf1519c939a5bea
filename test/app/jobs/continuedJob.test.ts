import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../../emulator/azurite/startAzurite.js';
import {
  cancelJob,
  serveJob,
  serveJobsCollection,
  type JobsApiDependencies,
} from '../../../src/app/jobs/jobsApi.js';
import { BlobJobProgressLog } from '../../../src/app/jobs/jobProgressLog.js';
import { BlobJobSignalStore } from '../../../src/app/jobs/jobSignals.js';
import { queryJobStatus } from '../../../src/app/jobs/queryJobStatus.js';
import { InMemoryDurableBackend } from '../support/inMemoryDurableBackend.js';
import { answerOf, httpRequest } from '../support/invoke.js';

const backend = new InMemoryDurableBackend();
const ID = '0123456789abcdef0123456789abcdef';
/** When the job's run was created; the backend reports the current generation's time instead. */
const RUN_CREATED_AT = '2026-03-01T10:00:00.000Z';
const GENERATION_CREATED_AT = '2026-03-01T10:40:00.000Z';

let azurite: RunningAzurite;
let blobService: () => BlobServiceClient;
let deps: JobsApiDependencies;
beforeAll(async () => {
  await backend.start();
  azurite = await startAzurite();
  blobService = () => BlobServiceClient.fromConnectionString(azurite.connectionString);
  deps = {
    readLink: () => Promise.reject(new Error('no outputs in these tests')),
    progressLog: new BlobJobProgressLog(blobService),
    signals: new BlobJobSignalStore(blobService),
  };
});
afterAll(async () => {
  await backend.stop();
  await azurite?.stop();
});

/** A job in its third generation: attempt 2, customStatus carrying the run's creation time. */
beforeEach(() => {
  backend.instances.clear();
  backend.events.length = 0;
  backend.addInstance(ID, 'Running');
  const instance = backend.instances.get(ID)!;
  instance.createdTime = GENERATION_CREATED_AT;
  instance.customStatus = { phase: 'Downloading', attempt: 2, createdAt: RUN_CREATED_AT };
  instance.input = {
    request: { url: 'https://media.example.com/clip.webm' },
    outputBlobName: `${ID}/${ID}.mp4`,
    submittedAt: RUN_CREATED_AT,
    continued: { generation: 3, createdAt: RUN_CREATED_AT, attempt: 2 },
  };
});

function request(path: string, method = 'GET') {
  return httpRequest({ url: `http://127.0.0.1:7071/api/jobs/${ID}${path}`, method, params: { id: ID } });
}

describe('a job whose orchestration continued as new', () => {
  it('keeps its creation time, attempts and the percent recorded before the continue in the view', async () => {
    // Recorded after the run was created but before this generation started.
    await deps.progressLog!.record(ID, {
      attempt: 2,
      progress: { phase: 'Downloading', percent: 63 },
      receivedAt: '2026-03-01T10:39:59.000Z',
    });
    const { context, client } = backend.invocation('job');
    const answer = await answerOf(await serveJob(request(''), client, context, () => deps));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: ID,
      status: 'Running',
      phase: 'Downloading',
      percent: 63,
      attempts: 2,
      createdAt: RUN_CREATED_AT,
      request: { url: 'https://media.example.com/clip.webm' },
    });

    const status = await answerOf(await queryJobStatus(request('/status'), client, context));
    expect(status.body).toMatchObject({ createdTime: RUN_CREATED_AT });
  });

  it('is listed by its own creation time, not the later one of its current generation', async () => {
    const { context, client } = backend.invocation('jobs');
    const list = async (search: string) => {
      const listRequest = httpRequest({ url: `http://127.0.0.1:7071/api/jobs?${search}`, method: 'GET' });
      const answer = await answerOf(await serveJobsCollection(listRequest, client, context, () => deps));
      expect(answer.status).toBe(200);
      return (answer.body as { jobs: { id: string; createdAt: string }[] }).jobs;
    };
    expect(await list('createdTo=2026-03-01T10:10:00Z')).toMatchObject([
      { id: ID, createdAt: RUN_CREATED_AT },
    ]);
    expect(await list('createdFrom=2026-03-01T09:00:00Z&createdTo=2026-03-01T10:10:00Z')).toHaveLength(1);
    expect(await list('createdFrom=2026-03-01T10:10:00Z')).toEqual([]);
    expect(await list('createdTo=2026-03-01T09:59:00Z')).toEqual([]);
  });

  it('records a cancel for the run before raising it, so a generation that missed the event still sees it', async () => {
    const { context, client } = backend.invocation('cancelJob');
    const answer = await answerOf(await cancelJob(request('/cancel', 'POST'), client, context, () => deps));
    expect(answer.status).toBe(202);
    expect(backend.events.map((e) => e.eventName)).toEqual(['CancelJob']);
    expect(await deps.signals!.read(ID, { runCreatedAt: RUN_CREATED_AT, attempt: 2 })).toEqual({
      cancelRequested: true,
    });
    // Bound to the run: a later run under the same id does not take it for its own.
    expect(await deps.signals!.read(ID, { runCreatedAt: GENERATION_CREATED_AT, attempt: 1 })).toEqual({
      cancelRequested: false,
    });
  });

  it('sends no cancel it could not record, and says so', async () => {
    const { context, client } = backend.invocation('cancelJob');
    const broken: JobsApiDependencies = {
      ...deps,
      signals: new BlobJobSignalStore(() => {
        throw new Error('host storage unreachable');
      }),
    };
    const answer = await answerOf(await cancelJob(request('/cancel', 'POST'), client, context, () => broken));
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(answer.body).toMatchObject({ error: { code: 'CANCEL_NOT_RECORDED', retryable: true } });
    expect(answer.text).not.toContain('host storage unreachable');
    expect(backend.events).toEqual([]);
  });
});
