import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite/startAzurite.js';
import { deleteJobBlobs } from '../../src/app/activities/deleteJobBlobs.js';

let azurite: RunningAzurite;
let media: ContainerClient;
beforeAll(async () => {
  azurite = await startAzurite();
  media = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('media');
  await media.create();
});
afterAll(() => azurite?.stop());

async function put(...names: string[]): Promise<void> {
  for (const name of names) await media.getBlockBlobClient(name).upload('x', 1);
}

async function names(): Promise<string[]> {
  const found: string[] = [];
  for await (const blob of media.listBlobsFlat()) found.push(blob.name);
  return found.sort();
}

describe('deleteJobBlobs', () => {
  it('deletes every blob under the job’s prefix, snapshots included, and nothing of any other job', async () => {
    await put('job-a/job-a.mp4', 'job-a/hls/720p/seg_000.m4s', 'job-a/hls/master.m3u8');
    await media.getBlockBlobClient('job-a/job-a.mp4').createSnapshot();
    // Same leading characters, another job: the prefix ends at the "/".
    await put('job-ab/job-ab.mp4', 'job-a.mp4', 'other/job-a/x.mp4');

    expect(await deleteJobBlobs({ instanceId: 'job-a' }, media)).toEqual({ deleted: 3 });
    expect(await names()).toEqual(['job-a.mp4', 'job-ab/job-ab.mp4', 'other/job-a/x.mp4']);
    const left: string[] = [];
    for await (const blob of media.listBlobsFlat({ prefix: 'job-a/', includeSnapshots: true }))
      left.push(blob.name);
    expect(left).toEqual([]);
  });

  it('is done when the job left nothing, and when run again', async () => {
    expect(await deleteJobBlobs({ instanceId: 'job-empty' }, media)).toEqual({ deleted: 0 });
    await put('job-twice/a.mp4');
    expect(await deleteJobBlobs({ instanceId: 'job-twice' }, media)).toEqual({ deleted: 1 });
    expect(await deleteJobBlobs({ instanceId: 'job-twice' }, media)).toEqual({ deleted: 0 });
  });

  it('lists nothing for an id that cannot name a prefix, so it cannot reach other jobs’ blobs', async () => {
    await put('job-kept/a.mp4');
    expect(await deleteJobBlobs({ instanceId: '' }, media)).toEqual({ deleted: 0 });
    expect(await deleteJobBlobs({ instanceId: '../job-kept' }, media)).toEqual({ deleted: 0 });
    expect(await names()).toContain('job-kept/a.mp4');
  });

  it('throws (so the call is retried) when storage refuses', async () => {
    const missing = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      'no-such-container',
    );
    await expect(deleteJobBlobs({ instanceId: 'job-a' }, missing)).rejects.toMatchObject({ statusCode: 404 });
  });
});
