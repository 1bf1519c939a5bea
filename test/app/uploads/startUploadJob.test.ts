import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUploadJob, type StartUploadJobDependencies } from '../../../src/app/uploads/startUploadJob.js';
import { droppedBlobJobId } from '../../../src/app/uploads/uploadJobIds.js';
import type { UploadRecord } from '../../../src/app/uploads/uploadRecords.js';
import type { JobOrchestrationInput } from '../../../src/app/orchestrations/jobOrchestrator.js';
import { InMemoryDurableBackend } from '../support/inMemoryDurableBackend.js';

const backend = new InMemoryDurableBackend();
beforeAll(() => backend.start());
afterAll(() => backend.stop());
beforeEach(() => {
  backend.instances.clear();
  backend.starts.length = 0;
});

const UPLOAD_ID = 'a'.repeat(32);
const RECORD: UploadRecord = {
  uploadId: UPLOAD_ID,
  blobName: `${UPLOAD_ID}/talk.mp4`,
  contentType: 'video/mp4',
  options: { preset: 'streaming', outputName: 'talks/keynote', notifyEmail: 'ops@example.com' },
  createdAt: '2030-01-01T00:00:00.000Z',
  expiresAt: '2030-01-01T01:00:00.000Z',
};

function deps(logs: string[]): StartUploadJobDependencies {
  return {
    config: {
      allowPrivateSources: false,
      allowedPrivateSources: [],
      uploadMaxBytes: 1000,
      maxBytesLimit: 5000,
    },
    findRecord: async (id) => (id === UPLOAD_ID ? RECORD : undefined),
    log: (message) => logs.push(message),
    now: () => new Date('2030-01-01T00:10:00Z'),
  };
}

async function arrive(path: string, etag = '"0x1"') {
  const { client } = backend.invocation('startUploadJob');
  const logs: string[] = [];
  const outcome = await startUploadJob({ path, etag }, client, deps(logs));
  return { outcome, logs };
}

describe('startUploadJob', () => {
  it("starts an upload's job under its upload id with the registered options", async () => {
    const { outcome } = await arrive(`incoming/${UPLOAD_ID}/talk.mp4`);
    expect(outcome).toEqual({ started: true, jobId: `upload-${UPLOAD_ID}` });
    expect(backend.starts).toHaveLength(1);
    const input = backend.starts[0]?.input as JobOrchestrationInput;
    expect(input).toEqual({
      request: {
        sourceBlob: `incoming/${UPLOAD_ID}/talk.mp4`,
        preset: 'streaming',
        outputName: 'talks/keynote',
        notifyEmail: 'ops@example.com',
        maxBytes: 1000,
      },
      outputBlobName: `upload-${UPLOAD_ID}/talks/keynote.mp4`,
      submittedAt: '2030-01-01T00:10:00.000Z',
    });
  });

  it('starts nothing for a redelivered event', async () => {
    await arrive(`incoming/${UPLOAD_ID}/talk.mp4`);
    const again = await arrive(`incoming/${UPLOAD_ID}/talk.mp4`);
    expect(again.outcome).toMatchObject({ started: false, jobId: `upload-${UPLOAD_ID}` });
    expect(backend.starts).toHaveLength(1);
  });

  it('runs a dropped blob as the default job, one job per blob version', async () => {
    const first = await arrive('incoming/camera/clip.mov', '"0x1"');
    expect(first.outcome).toEqual({
      started: true,
      jobId: droppedBlobJobId('incoming/camera/clip.mov', '"0x1"'),
    });
    expect((backend.starts[0]?.input as JobOrchestrationInput).request).toEqual({
      sourceBlob: 'incoming/camera/clip.mov',
      maxBytes: 1000,
    });
    await arrive('incoming/camera/clip.mov', '"0x1"');
    await arrive('incoming/camera/clip.mov', '"0x2"');
    expect(backend.starts.map((s) => s.instanceId)).toEqual([
      droppedBlobJobId('incoming/camera/clip.mov', '0x1'),
      droppedBlobJobId('incoming/camera/clip.mov', '0x2'),
    ]);
  });

  it('treats a blob under an upload id that does not match the record as dropped', async () => {
    const { outcome } = await arrive(`incoming/${UPLOAD_ID}/other.mp4`);
    expect(outcome).toMatchObject({ started: true });
    expect((outcome as { jobId: string }).jobId).toMatch(/^blob-/);
  });

  it('starts no job for a blob name with a ".." segment, and says why', async () => {
    const { outcome, logs } = await arrive('incoming/a/../b.mp4');
    expect(outcome.started).toBe(false);
    expect(backend.starts).toHaveLength(0);
    expect(logs.join('\n')).toContain('".." segment');
  });
});
