import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../../emulator/azurite/startAzurite.js';
import { waitForJob } from '../../emulator/stack/jobStatus.js';
import type { LocalStack } from '../../emulator/stack/startLocalStack.js';
import { jobNotifications } from '../../src/app/notify/notificationLog.js';
import {
  jobEventSchema,
  jobViewSchema,
  type JobNotification,
  type JobView,
} from '../../src/shared/jobView.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';
import type { MediaFixtures } from '../support/mediaFixtures.js';
import type { MediaServer } from '../support/mediaServer.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A loopback receiver that answers the scripted statuses in turn, then 200. */
async function startReceiver(
  statuses: number[],
): Promise<{ server: Server; url: string; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answered = statuses[deliveries.length] ?? 200;
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hooks`, deliveries };
}

describe('webhooks of a job on the local stack', () => {
  let env: LocalTestStack;
  let stack: LocalStack;
  let media: MediaServer;
  let fixtures: MediaFixtures;
  const servers: Server[] = [];

  beforeAll(async () => {
    env = await startLocalTestStack({
      settings: { LIVENESS_POLL_SECONDS: '2', WEBHOOK_SIGNING_SECRET: SECRET },
    });
    ({ stack, media, fixtures } = env);
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
    for (const server of servers) server.close();
  });

  async function submit(body: Record<string, unknown>): Promise<{ id: string; statusQueryGetUri: string }> {
    const response = await fetch(`${stack.hostOrigin}/api/orchestrator_httpstart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { id: string; statusQueryGetUri: string };
  }

  async function notificationsOf(jobId: string): Promise<JobNotification[]> {
    const blobs = new BlobServiceClient(
      stack.azurite.blobEndpoint,
      new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY),
    );
    return jobNotifications(jobId, blobs);
  }

  async function jobView(jobId: string): Promise<JobView> {
    const response = await fetch(`${stack.hostOrigin}/api/jobs/${jobId}`, {
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(200);
    return jobViewSchema.parse(await response.json());
  }

  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  async function until<T>(
    probe: () => T | Promise<T>,
    done: (value: T) => boolean,
    timeoutMs: number,
  ): Promise<T> {
    const giveUpAt = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (done(value) || Date.now() > giveUpAt) return value;
      await new Promise((wait) => setTimeout(wait, 250));
    }
  }

  it('signs every attempt, keeps one webhook-id across retries, and records the delivery', async () => {
    const receiver = await startReceiver([500, 500]);
    servers.push(receiver.server);
    const started = await submit({ url: media.url(fixtures.progressiveMp4), notifyUrl: receiver.url });
    const status = await waitForJob(started.statusQueryGetUri, { timeoutMs: 120_000, intervalMs: 250 });
    expect(status.runtimeStatus).toBe('Completed');

    // 500, 500, then 200 after the 5 s and 10 s backoffs.
    await until(
      () => receiver.deliveries.length,
      (n) => n >= 3,
      60_000,
    );
    expect(receiver.deliveries.map((d) => d.answered)).toEqual([500, 500, 200]);
    const ids = new Set(receiver.deliveries.map((d) => d.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const verifier = new Webhook(SECRET);
    const events = receiver.deliveries.map((delivery) =>
      jobEventSchema.parse(verifier.verify(delivery.body, delivery.headers as Record<string, string>)),
    );
    for (const event of events) {
      expect(event.type).toBe('job.succeeded');
      expect(event.data.id).toBe(started.id);
      expect(event.data.status).toBe('Succeeded');
      expect(event.data.phase).toBe('Done');
      expect(event.data.outputs[0]?.blobName).toBe(`${started.id}/${started.id}.mp4`);
      // The app's own status link, never a Durable URL.
      expect(new URL(event.data.statusQueryGetUri).pathname).toBe(`/api/jobs/${started.id}/status`);
    }
    // Each attempt carries the job view as it then was: the earlier attempts' outcomes included.
    expect(
      events.map((e) => e.data.notifications.map((n) => [n.attempts, n.lastStatus, n.delivered])),
    ).toEqual([[], [[1, 500, false]], [[2, 500, false]]]);
    // The outputs' links are fresh user-delegation SAS read links that download the stored bytes.
    const output = events[2]!.data.outputs[0]!;
    expect(new URL(output.readUrl).searchParams.get('skoid')).toBeTruthy();
    expect(Date.parse(output.readUrlExpiresAt)).toBeGreaterThan(Date.now() + 30 * 60_000);
    const linked = await fetch(output.readUrl, { signal: AbortSignal.timeout(20_000) });
    expect(linked.status).toBe(200);
    const stored = await env.blobs.getBlobClient(output.blobName).downloadToBuffer();
    expect(sha256(new Uint8Array(await linked.arrayBuffer()))).toBe(sha256(stored));
    // A tampered body fails verification with the same headers.
    expect(() =>
      verifier.verify(
        receiver.deliveries[0]!.body.replace('Succeeded', 'Failed'),
        receiver.deliveries[0]!.headers as Record<string, string>,
      ),
    ).toThrow();

    const recorded = await until(
      () => notificationsOf(started.id),
      (list) => list[0]?.delivered === true,
      10_000,
    );
    expect(recorded).toEqual([
      { type: 'job.succeeded', channel: 'webhook', attempts: 3, lastStatus: 200, delivered: true },
    ]);
    expect((await jobView(started.id)).notifications).toEqual(recorded);
  }, 180_000);

  it('completes a failed job whose receiver is down, and reports job.failed attempts without a status', async () => {
    const receiver = await startReceiver([]);
    const downUrl = receiver.url;
    await new Promise((done) => receiver.server.close(done));
    const started = await submit({ url: media.url('no-such-file.mp4'), notifyUrl: downUrl });
    const status = await waitForJob(started.statusQueryGetUri, { timeoutMs: 120_000, intervalMs: 250 });
    expect(status.runtimeStatus).toBe('Failed');

    const recorded = await until(
      () => notificationsOf(started.id),
      (list) => (list[0]?.attempts ?? 0) >= 2,
      30_000,
    );
    expect(recorded[0]).toMatchObject({
      type: 'job.failed',
      channel: 'webhook',
      lastStatus: null,
      delivered: false,
    });
    expect(recorded[0]!.attempts).toBeGreaterThanOrEqual(2);
    const view = await jobView(started.id);
    expect(view.status).toBe('Failed');
    expect(view.notifications[0]).toMatchObject({ type: 'job.failed', delivered: false, lastStatus: null });
  }, 180_000);

  it('completes a succeeding job whose receiver is down', async () => {
    const receiver = await startReceiver([]);
    await new Promise((done) => receiver.server.close(done));
    const started = await submit({ url: media.url(fixtures.progressiveMp4), notifyUrl: receiver.url });
    const status = await waitForJob(started.statusQueryGetUri, { timeoutMs: 120_000, intervalMs: 250 });
    expect(status.runtimeStatus).toBe('Completed');
    const view = await until(
      () => jobView(started.id),
      (v) => v.notifications.length > 0,
      20_000,
    );
    expect(view.status).toBe('Succeeded');
    expect(view.notifications[0]).toMatchObject({ type: 'job.succeeded', attempts: 1, delivered: false });
  }, 180_000);

  it('announces a canceled job as job.canceled with status Canceled, by webhook and by mail', async () => {
    const receiver = await startReceiver([]);
    servers.push(receiver.server);
    media.setBehaviour(fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 40_000 });
    try {
      const started = await submit({
        url: media.url(fixtures.progressiveMp4),
        notifyUrl: receiver.url,
        notifyEmail: 'ops@example.com',
      });
      await until(
        () => jobView(started.id),
        (v) => v.phase === 'Downloading',
        60_000,
      );
      const cancel = await fetch(`${stack.hostOrigin}/api/jobs/${started.id}/cancel`, {
        method: 'POST',
        signal: AbortSignal.timeout(20_000),
      });
      expect(cancel.status).toBe(202);
      await until(
        () => receiver.deliveries.length,
        (n) => n >= 1,
        30_000,
      );
      const event = jobEventSchema.parse(
        new Webhook(SECRET).verify(
          receiver.deliveries[0]!.body,
          receiver.deliveries[0]!.headers as Record<string, string>,
        ),
      );
      expect(event.type).toBe('job.canceled');
      expect(receiver.deliveries[0]!.headers['webhook-id']).toBe(`msg_${started.id}_canceled`);
      expect(event.data).toMatchObject({
        id: started.id,
        status: 'Canceled',
        error: { code: 'CANCELED' },
        outputs: [],
      });

      const mails = await until(
        () => stack.email.mails().filter((m) => m.subject.includes(started.id)),
        (list) => list.length > 0,
        30_000,
      );
      expect(mails.map((m) => m.subject)).toEqual([`mediaferry job ${started.id} was canceled`]);
      expect(mails[0]!.plainText).toContain('Status: Canceled');
    } finally {
      media.setBehaviour(fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 1e9 });
    }
  }, 180_000);
});
