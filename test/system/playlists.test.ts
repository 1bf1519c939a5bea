import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerGroupName } from '../../src/shared/naming.js';
import { jobEventSchema, jobViewSchema, type JobView } from '../../src/shared/jobView.js';
import { eventually } from '../support/eventually.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';
import { startPlaylistSite, type PlaylistSite } from '../support/playlistSite.js';

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

/** A loopback webhook receiver that records every delivery and answers 200. */
async function startReceiver(): Promise<{
  server: Server;
  url: string;
  deliveries: { headers: IncomingHttpHeaders; body: string }[];
}> {
  const deliveries: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, deliveries };
}

/** Playlist jobs on the composed local stack: a served podcast feed and a page of videos, over HTTP. */
describe('playlist jobs on the local stack', () => {
  let env: LocalTestStack;
  let site: PlaylistSite;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const appLog: string[] = [];
  const api = (path: string) => `${env.stack.hostOrigin}/api/${path}`;

  beforeAll(async () => {
    env = await startLocalTestStack({
      log: (line) => appLog.push(line),
      settings: { LIVENESS_POLL_SECONDS: '2', WEBHOOK_SIGNING_SECRET: SECRET },
    });
    site = await startPlaylistSite(env.fixtures);
    receiver = await startReceiver();
  }, 120_000);

  afterAll(async () => {
    await site?.close();
    await new Promise((done) => receiver?.server.close(done));
    await env?.stopExpectingNothingLeft();
  });

  async function call(path: string, init: RequestInit = {}) {
    const response = await fetch(api(path), { ...init, signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  const submit = (body: unknown) =>
    call('jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function view(id: string): Promise<JobView> {
    const answer = await call(`jobs/${id}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return jobViewSchema.parse(answer.body);
  }

  const waitForFinal = (id: string, timeoutMs: number) =>
    eventually(
      `job ${id} to finish`,
      async () => {
        const current = await view(id);
        return ['Succeeded', 'Failed', 'Canceled'].includes(current.status) ? current : undefined;
      },
      timeoutMs,
    );

  /**
   * The most container groups of this playlist's items that existed at once, from the ARM requests
   * the ACI emulator answered in order: a group exists from its accepted PUT until its DELETE.
   */
  function mostItemGroupsAtOnce(parentId: string): number {
    const prefix = `${containerGroupName(parentId)}-p`;
    const existing = new Set<string>();
    let most = 0;
    for (const request of env.stack.aci.requests) {
      const name = /\/containerGroups\/([^/?]+)(?:\?|$)/.exec(request.path)?.[1];
      if (!name?.startsWith(prefix) || request.status >= 300) continue;
      if (request.method === 'PUT') existing.add(name);
      if (request.method === 'DELETE') existing.delete(name);
      most = Math.max(most, existing.size);
    }
    return most;
  }

  it('refuses playlist options out of bounds with a 400 naming the field, starting nothing', async () => {
    const feed = site.feed('bounds', [{ path: site.itemPath(1) }]);
    const before = env.stack.aci.requests.length;
    for (const [playlist, field] of [
      [{ maxItems: 0 }, 'playlist.maxItems'],
      [{ maxItems: 201 }, 'playlist.maxItems'],
      [{ concurrency: 9 }, 'playlist.concurrency'],
      [{ concurrency: 1.5 }, 'playlist.concurrency'],
    ] as const) {
      const answer = await submit({ url: feed, playlist });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'INVALID_FIELD', field } });
    }
    const unknown = await submit({ url: feed, playlist: { maxItems: 3, depth: 2 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'UNKNOWN_FIELD' } });
    expect(env.stack.aci.requests.length).toBe(before);
  });

  it(
    'runs each item of a podcast feed as its own job, at most `concurrency` at once; a broken item fails alone and a repeated one is fetched once',
    { timeout: 300_000 },
    async () => {
      const items = [1, 2, 3].map((n) => site.itemPath(n));
      const feed = site.feed('podcast', [
        { path: items[0]!, guid: 'ep-1' },
        { path: items[1]!, guid: 'ep-2' },
        // The same enclosure again under another guid: the playlist's archive knows its URL.
        { path: items[1]!, guid: 'ep-2-rerun' },
        { path: 'missing.mp4', guid: 'ep-broken' },
        { path: items[2]!, guid: 'ep-3' },
        // An item on a metadata address: its own job refuses it before any container or connection.
        { path: 'http://169.254.169.254/latest/meta-data/', guid: 'ep-metadata' },
      ]);
      const answer = await submit({
        url: feed,
        playlist: { maxItems: 10, concurrency: 2 },
        maxHeight: 360,
        notifyUrl: receiver.url,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      const id = jobViewSchema.parse(answer.body).id;

      const final = await waitForFinal(id, 240_000);
      expect(final.status, JSON.stringify(final)).toBe('Succeeded');
      const children = final.children ?? [];
      expect(children.map((c) => [c.id, c.status, c.url])).toEqual([
        [`${id}-p001`, 'Succeeded', site.server.url(items[0]!)],
        [`${id}-p002`, 'Succeeded', site.server.url(items[1]!)],
        [`${id}-p003`, 'Failed', site.server.url('missing.mp4')],
        [`${id}-p004`, 'Succeeded', site.server.url(items[2]!)],
        [`${id}-p005`, 'Failed', 'http://169.254.169.254/latest/meta-data/'],
      ]);
      expect(children[2]?.error?.code).toBe('NOT_FOUND');
      expect(children[4]?.error?.code).toBe('INVALID_INPUT');
      expect(children[4]?.error?.message).toContain('SOURCE_ADDRESS_BLOCKED');
      expect(env.stack.aci.requests.some((r) => r.path.includes(`${containerGroupName(id)}-p005`))).toBe(
        false,
      );
      for (const child of children.filter((c) => c.status === 'Succeeded'))
        expect(child.outputs?.map((o) => o.blobName)).toEqual([`${child.id}/${child.id}.mp4`]);
      expect(final.playlist).toEqual({
        title: 'podcast',
        listed: 6,
        duplicates: [
          { url: site.server.url(items[1]!), archiveKey: 'generic ep-2-rerun', sameAs: `${id}-p002` },
        ],
      });

      // The concurrency cap, as the container service saw it, and real parallelism under it.
      expect(mostItemGroupsAtOnce(id)).toBe(2);
      // The repeated item was fetched exactly as often as an item listed once.
      expect(site.requestsFor(items[1]!)).toBe(site.requestsFor(items[0]!));

      // One signed webhook for the playlist, listing its children.
      const delivery = await eventually('the playlist webhook', () => receiver.deliveries[0], 60_000);
      const event = jobEventSchema.parse(
        new Webhook(SECRET).verify(delivery.body, {
          'webhook-id': String(delivery.headers['webhook-id']),
          'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
          'webhook-signature': String(delivery.headers['webhook-signature']),
        }),
      );
      expect(event.type).toBe('job.succeeded');
      expect(event.data.id).toBe(id);
      expect(event.data.children?.map((c) => [c.id, c.status])).toEqual(
        children.map((c) => [c.id, c.status]),
      );

      // Each child is a job of its own, naming its playlist, with read links to its outputs; the
      // playlist's notifications stand for its children's.
      const first = await view(`${id}-p001`);
      expect(first).toMatchObject({ status: 'Succeeded', parentId: id, request: { maxHeight: 360 } });
      expect(first.request).not.toHaveProperty('notifyUrl');
      expect(first.outputs[0]?.readUrl).toMatch(/^https:\/\//);
      const list = await call('jobs?top=50');
      const listed = (list.body as { jobs: JobView[] }).jobs;
      expect(listed.find((j) => j.id === id)?.children).toHaveLength(5);
      expect(
        listed
          .filter((j) => j.parentId === id)
          .map((j) => j.id)
          .sort(),
      ).toEqual(children.map((c) => c.id));
      await env.expectNothingLeftRunning();
    },
  );

  it(
    'cancels every running item of a page of videos when the playlist is canceled, starts no other, and leaves no group or process',
    { timeout: 300_000 },
    async () => {
      const items = [4, 5, 6, 7].map((n) => site.itemPath(n));
      // Slow media keep the first two items downloading until the cancel.
      site.server.setBehaviour('/item-', { kind: 'throttle', bytesPerSecond: 8 * 1024 });
      try {
        const page = site.page(
          'videos',
          items.map((path) => ({ path })),
        );
        const answer = await submit({ url: page, playlist: { maxItems: 10, concurrency: 2 } });
        expect(answer.status, JSON.stringify(answer.body)).toBe(202);
        const id = jobViewSchema.parse(answer.body).id;

        const runningNow = await eventually(
          'two items downloading',
          async () => {
            const current = await view(id);
            const running = (current.children ?? []).filter((c) => c.status === 'Running');
            return running.length === 2 ? current : undefined;
          },
          120_000,
        );
        expect(runningNow.children?.map((c) => c.status)).toEqual(['Running', 'Running', 'Queued', 'Queued']);
        const processes = env.stack.aci
          .runningProcesses()
          .filter((p) => p.group.startsWith(`${containerGroupName(id)}-p`));
        expect(processes).toHaveLength(2);

        const cancel = await call(`jobs/${id}/cancel`, { method: 'POST' });
        expect(cancel.status).toBe(202);
        const final = await waitForFinal(id, 120_000);
        expect(final.status).toBe('Canceled');
        expect(final.children?.map((c) => [c.id, c.status])).toEqual(
          [1, 2, 3, 4].map((n) => [`${id}-p00${n}`, 'Canceled']),
        );
        for (const n of [1, 2]) expect((await view(`${id}-p00${n}`)).status).toBe('Canceled');
        // The list filtered on Canceled finds the playlist job and its items.
        const canceledList = await call('jobs?status=Canceled&top=100');
        expect(canceledList.status, appLog.filter((l) => /rror/.test(l)).join('\n')).toBe(200);
        const canceledJobs = canceledList.body as { jobs: JobView[] };
        expect(canceledJobs.jobs.map((j) => j.id)).toEqual(
          expect.arrayContaining([id, `${id}-p001`, `${id}-p002`]),
        );
        // Items 3 and 4 never got a group; 1 and 2 lost theirs, and their workers are gone.
        expect(mostItemGroupsAtOnce(id)).toBe(2);
        for (const n of [1, 2]) await env.groupGone(`${id}-p00${n}`, 30_000);
        expect(env.stack.aci.requests.some((r) => r.path.includes(`${containerGroupName(id)}-p003`))).toBe(
          false,
        );
        await env.expectNothingLeftRunning();
      } finally {
        site.server.clearBehaviours();
      }
    },
  );
});
