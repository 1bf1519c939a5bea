import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalJobEvent } from '../../../src/app/notify/finalJobEvent.js';
import { InMemoryDurableBackend } from '../support/inMemoryDurableBackend.js';

const backend = new InMemoryDurableBackend();
const ID = `upload-${'a'.repeat(32)}`;
const BLOB = `incoming/${'a'.repeat(32)}/talk.mov`;

beforeAll(() => backend.start());
afterAll(() => backend.stop());

describe("an upload job's webhook event", () => {
  it('names the uploaded blob as the source and keeps the options, the webhook URL redacted', async () => {
    backend.addInstance(ID, 'Failed');
    const instance = backend.instances.get(ID)!;
    instance.input = {
      request: { sourceBlob: BLOB, preset: 'audio', notifyUrl: 'https://hooks.example.com/in?token=secret' },
      outputBlobName: `${ID}/${ID}.mp4`,
      submittedAt: '2030-01-01T00:00:00.000Z',
    };
    instance.output = 'NOT_MEDIA: not media';
    instance.customStatus = { phase: 'Done' };
    const { client } = backend.invocation('deliverJobWebhook');
    const found = await finalJobEvent(ID, 'job.failed', '2030-01-01T00:05:00.000Z', {
      client,
      readLink: () => Promise.reject(new Error('no outputs expected')),
      notifications: () => Promise.resolve([]),
      appBaseUrl: 'https://app.example',
      finalWaitMs: 0,
    });
    expect(found.ok).toBe(true);
    const event = found.ok ? found.event : undefined;
    expect(event?.type).toBe('job.failed');
    expect(event?.data.source).toEqual({ blob: BLOB });
    expect(event?.data.request).toMatchObject({ sourceBlob: BLOB, preset: 'audio' });
    expect(JSON.stringify(event?.data.request)).not.toContain('secret');
    expect(event?.data.error?.code).toBe('NOT_MEDIA');
  });
});
