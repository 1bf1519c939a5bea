import { describe, expect, it } from 'vitest';
import { finalJobEvent } from '../../../src/app/notify/finalJobEvent.js';

describe("an upload job's webhook event", () => {
  it('names the uploaded blob as the source and keeps the options, the webhook URL redacted', () => {
    const event = finalJobEvent({
      jobId: `upload-${'a'.repeat(32)}`,
      request: {
        sourceBlob: `incoming/${'a'.repeat(32)}/talk.mov`,
        preset: 'audio',
        notifyUrl: 'https://hooks.example.com/in?token=secret',
      },
      submittedAt: '2030-01-01T00:00:00.000Z',
      finishedAt: '2030-01-01T00:05:00.000Z',
      statusBaseUrl: 'https://app.example',
      outcome: { ok: false, error: { code: 'NOT_MEDIA', message: 'not media', retryable: false } },
    });
    expect(event.type).toBe('job.failed');
    expect(event.data.source).toEqual({ blob: `incoming/${'a'.repeat(32)}/talk.mov` });
    expect(event.data.request).toEqual({
      sourceBlob: `incoming/${'a'.repeat(32)}/talk.mov`,
      preset: 'audio',
      notifyUrl: expect.not.stringContaining('secret') as unknown,
    });
    expect(event.data.error?.code).toBe('NOT_MEDIA');
  });
});
