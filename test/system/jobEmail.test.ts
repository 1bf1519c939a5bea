import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_IDS } from '../../emulator/stack/startLocalStack.js';
import { jobViewSchema, type JobView } from '../../src/shared/jobView.js';
import { eventually } from '../support/eventually.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';

/** notifyEmail on the local stack: the app mails through the ACS Email API shape to the stack's capture. */
describe('e-mail notifications on the local stack', () => {
  let local: LocalTestStack;

  beforeAll(async () => {
    local = await startLocalTestStack({ settings: { LIVENESS_POLL_SECONDS: '2' } });
  }, 120_000);
  afterAll(async () => {
    await local?.stop();
  });

  async function view(id: string): Promise<JobView> {
    const response = await fetch(`${local.stack.hostOrigin}/api/jobs/${id}`, {
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(200);
    return jobViewSchema.parse(await response.json());
  }

  it('mails a failed job once, with its status and error, sent with the app identity', async () => {
    const started = await local.submit({
      url: local.media.url('no-such-file.mp4'),
      notifyEmail: 'ops@example.com',
    });
    const status = await local.wait(started.statusQueryGetUri, 120_000);
    expect(status.runtimeStatus).toBe('Failed');

    const mailsOf = () => local.stack.email.mails().filter((m) => m.subject.includes(started.id));
    await eventually('the mail to be captured', () => mailsOf().length > 0, 30_000);
    const [mail] = mailsOf();
    const failed = await view(started.id);
    expect(failed.status).toBe('Failed');
    expect(mail).toMatchObject({
      clientId: LOCAL_IDS.appClientId,
      senderAddress: LOCAL_IDS.emailSender,
      to: ['ops@example.com'],
      subject: `mediaferry job ${started.id} failed`,
    });
    expect(mail!.plainText).toContain('Status: Failed');
    expect(mail!.plainText).toContain(`Error: ${failed.error!.code}: `);
    expect(mail!.html).toContain(`<td>${failed.error!.code}: `);

    const notified = await eventually(
      'the job view to show the mail',
      async () => (await view(started.id)).notifications.find((n) => n.channel === 'email'),
      10_000,
    );
    expect(notified).toEqual({
      type: 'job.failed',
      channel: 'email',
      attempts: 1,
      lastStatus: 202,
      delivered: true,
    });
    // Still one mail for this job and state a while later.
    await new Promise((r) => setTimeout(r, 2000));
    expect(mailsOf()).toHaveLength(1);
  }, 180_000);

  it('refuses a malformed address with 400 and starts nothing', async () => {
    const before = local.stack.email.mails().length;
    const answer = await local.post({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        url: local.media.url('clip.mp4'),
        notifyEmail: 'ops@example.com, evil@example.com',
      }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'INVALID_FIELD', field: 'notifyEmail' } });
    expect(local.stack.email.mails().length).toBe(before);
  });
});
