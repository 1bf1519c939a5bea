import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { finalEventType, finalJobEvent, webhookEventId } from '../../../src/app/notify/finalJobEvent.js';
import type { JobNotification } from '../../../src/shared/jobView.js';
import { InMemoryDurableBackend } from '../support/inMemoryDurableBackend.js';

const backend = new InMemoryDurableBackend();
const ID = '0123456789abcdef0123456789abcdef';
const logged: JobNotification[] = [
  { type: 'job.canceled', channel: 'webhook', attempts: 1, lastStatus: 500, delivered: false },
];

beforeAll(() => backend.start());
afterAll(() => backend.stop());
beforeEach(() => backend.instances.clear());

function deps() {
  const { client } = backend.invocation('deliverJobWebhook');
  return {
    client,
    readLink: () => Promise.reject(new Error('no outputs expected')),
    notifications: (jobId: string) => Promise.resolve(jobId === ID ? logged : []),
    appBaseUrl: 'https://app.example.com',
    finalWaitMs: 0,
  };
}

function finishedJob(runtimeStatus: string, output: unknown): void {
  backend.addInstance(ID, runtimeStatus);
  const instance = backend.instances.get(ID)!;
  instance.input = {
    request: {
      url: 'https://media.example.com/clip.mp4?sig=secret',
      notifyUrl: 'https://hooks.example.com/x',
    },
    outputBlobName: `${ID}.mp4`,
    submittedAt: '2026-01-01T00:00:00.000Z',
  };
  instance.output = output;
  instance.customStatus = { phase: 'Done' };
}

describe('the final-state event is the job view GET /api/jobs/{id} serves', () => {
  it('names the event after the outcome: CANCELED is job.canceled, other failures job.failed', () => {
    expect(finalEventType({ ok: false, error: { code: 'CANCELED', message: 'x', retryable: false } })).toBe(
      'job.canceled',
    );
    expect(finalEventType({ ok: false, error: { code: 'TIMEOUT', message: 'x', retryable: false } })).toBe(
      'job.failed',
    );
    expect(webhookEventId(ID, 'job.canceled')).toBe(`msg_${ID}_canceled`);
  });

  it('shows a canceled job as Canceled, with its error, the notification log and the app status link', async () => {
    finishedJob('Failed', 'CANCELED: The job was canceled before it finished.');
    const found = await finalJobEvent(ID, 'job.canceled', '2026-01-01T00:01:00.000Z', deps());
    expect(found.ok).toBe(true);
    const event = found.ok ? found.event : undefined;
    expect(event).toMatchObject({
      type: 'job.canceled',
      timestamp: '2026-01-01T00:01:00.000Z',
      data: {
        id: ID,
        status: 'Canceled',
        error: { code: 'CANCELED' },
        notifications: logged,
        statusQueryGetUri: `https://app.example.com/api/jobs/${ID}/status`,
        outputs: [],
      },
    });
    // The source URL's token is redacted, as in the job view.
    expect(JSON.stringify(event)).not.toContain('sig=secret');
  });

  it('shows a failed job as Failed with the code it failed with', async () => {
    finishedJob('Failed', 'SOURCE_NOT_FOUND: The source answered 404.');
    const found = await finalJobEvent(ID, 'job.failed', '2026-01-01T00:01:00.000Z', deps());
    expect(found.ok && found.event.data).toMatchObject({
      status: 'Failed',
      error: { code: 'SOURCE_NOT_FOUND' },
    });
  });

  it('builds nothing while the job has not finished, nor for a job that no longer exists', async () => {
    backend.addInstance(ID, 'Running');
    expect(await finalJobEvent(ID, 'job.failed', '2026-01-01T00:01:00.000Z', deps())).toEqual({
      ok: false,
      reason: 'not-final',
    });
    const unknown = 'ffffffffffffffffffffffffffffffff';
    expect(await finalJobEvent(unknown, 'job.failed', '2026-01-01T00:01:00.000Z', deps())).toEqual({
      ok: false,
      reason: 'not-found',
    });
  });
});
