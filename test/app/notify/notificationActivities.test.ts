import type { EmailMessage } from '@azure/communication-email';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emailOperationId } from '../../../src/app/notify/acsEmailSender.js';
import { sendJobEmail, startJobNotifications } from '../../../src/app/notify/notificationActivities.js';
import type { JobNotification } from '../../../src/shared/jobView.js';
import { InMemoryDurableBackend } from '../support/inMemoryDurableBackend.js';

const backend = new InMemoryDurableBackend();
const ID = '0123456789abcdef0123456789abcdef';
const FAILED = {
  ok: false as const,
  error: { code: 'NOT_FOUND', message: 'The source answered 404.', retryable: false },
};

beforeAll(() => backend.start());
afterAll(() => backend.stop());
beforeEach(() => {
  backend.instances.clear();
  backend.starts.length = 0;
});

function failedJob(): void {
  backend.addInstance(ID, 'Failed');
  const instance = backend.instances.get(ID)!;
  instance.input = { request: { url: 'https://media.example.com/a.mp4' }, outputBlobName: `${ID}/${ID}.mp4` };
  instance.output = 'NOT_FOUND: The source answered 404.';
  instance.customStatus = { phase: 'Done' };
}

describe('starting the notifications of a final state', () => {
  it('starts one instance per channel the request asked for, and none again for the same state', async () => {
    const { client } = backend.invocation('startJobNotifications');
    const state = {
      jobId: ID,
      request: {
        url: 'https://media.example.com/a.mp4',
        notifyUrl: 'https://hooks.example.com/x',
        notifyEmail: 'ops@example.com',
      },
      submittedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:01:00.000Z',
      outcome: FAILED,
    };
    expect(await startJobNotifications(state, client)).toEqual({ started: ['webhook', 'email'] });
    expect(
      backend.starts.map((s) => [s.instanceId, (s.input as { channel: string; target: string }).target]),
    ).toEqual([
      [`${ID}-notify-failed`, 'https://hooks.example.com/x'],
      [`${ID}-email-failed`, 'ops@example.com'],
    ]);
    expect((backend.starts[1]!.input as { eventId: string }).eventId).toBe(
      emailOperationId(ID, 'job.failed'),
    );
    expect(await startJobNotifications(state, client)).toEqual({ started: [] });
    expect(backend.starts).toHaveLength(2);
  });
});

describe('one mail attempt', () => {
  function deps(log: JobNotification[], sent: { message: EmailMessage; operationId: string }[]) {
    const { client } = backend.invocation('sendJobEmail');
    const recorded: JobNotification[] = [];
    return {
      recorded,
      deps: {
        client,
        readLink: () => Promise.reject(new Error('no outputs')),
        notifications: () => Promise.resolve(log),
        appBaseUrl: 'https://app.example.com',
        finalWaitMs: 0,
        senderAddress: 'DoNotReply@example.azurecomm.net',
        sendEmail: (message: EmailMessage, operationId: string) => {
          sent.push({ message, operationId });
          return Promise.resolve({ delivered: true as const, status: 202 });
        },
        record: (_jobId: string, notification: JobNotification) => {
          recorded.push(notification);
          return Promise.resolve();
        },
      },
    };
  }
  const input = {
    jobId: ID,
    type: 'job.failed' as const,
    timestamp: '2026-01-01T00:01:00.000Z',
    attempt: 1,
    to: 'ops@example.com',
    operationId: emailOperationId(ID, 'job.failed'),
  };

  it('mails the job view from the configured sender with the fixed Operation-Id, and records it', async () => {
    failedJob();
    const sent: { message: EmailMessage; operationId: string }[] = [];
    const { deps: d, recorded } = deps([], sent);
    expect(await sendJobEmail(input, d)).toEqual({ delivered: true, status: 202 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.operationId).toBe(input.operationId);
    expect(sent[0]!.message).toMatchObject({
      senderAddress: 'DoNotReply@example.azurecomm.net',
      recipients: { to: [{ address: 'ops@example.com' }] },
      content: { subject: `mediaferry job ${ID} failed` },
      disableUserEngagementTracking: true,
    });
    expect(recorded).toEqual([
      { type: 'job.failed', channel: 'email', attempts: 1, lastStatus: 202, delivered: true },
    ]);
  });

  it('sends nothing when the log already shows this state mailed', async () => {
    failedJob();
    const sent: { message: EmailMessage; operationId: string }[] = [];
    const { deps: d } = deps(
      [{ type: 'job.failed', channel: 'email', attempts: 1, lastStatus: 202, delivered: true }],
      sent,
    );
    expect(await sendJobEmail({ ...input, attempt: 2 }, d)).toEqual({ delivered: true, status: 202 });
    expect(sent).toEqual([]);
  });

  it('gives up without sending when the job no longer exists', async () => {
    const sent: { message: EmailMessage; operationId: string }[] = [];
    const { deps: d } = deps([], sent);
    expect(await sendJobEmail(input, d)).toMatchObject({
      delivered: false,
      retryable: false,
      code: 'JOB_NOT_FOUND',
    });
    expect(sent).toEqual([]);
  });
});
