import { beforeAll, describe, expect, it } from 'vitest';
import type { JobRequest, PlaylistListing } from '../../../src/shared/contracts.js';
import { CANCEL_WAIT_MINUTES } from '../../../src/app/orchestrations/playlistOrchestrator.js';
import { playlistSummarySchema } from '../../../src/shared/jobView.js';
import { containerExited, JOB_SETTINGS, succeededWith } from '../support/jobOrchestratorFixtures.js';
import { loadRegisteredHandler, OrchestratorReplay } from '../../support/orchestratorReplay.js';

const START = new Date('2026-03-01T10:00:00.000Z');
const ID = '0123456789abcdef0123456789abcdef';
const FEED = 'https://podcasts.example.com/feed.xml';
const GONE = { ok: true, groupName: 'g', existed: true };
const item = (n: number) => `https://media.example.com/episode-${n}.mp4`;
const child = (n: number) => `${ID}-p${String(n).padStart(3, '0')}`;

let playlistHandler: Awaited<ReturnType<typeof loadRegisteredHandler>>;
let jobHandler: Awaited<ReturnType<typeof loadRegisteredHandler>>;
beforeAll(async () => {
  playlistHandler = await loadRegisteredHandler(
    () => import('../../../src/app/functions/playlistOrchestration.js'),
    'playlistOrchestrator',
  );
  jobHandler = await loadRegisteredHandler(
    () => import('../../../src/app/functions/jobOrchestration.js'),
    'jobOrchestrator',
  );
});

async function startPlaylist(request: Partial<JobRequest> = {}): Promise<OrchestratorReplay> {
  const job = await OrchestratorReplay.start(playlistHandler, {
    instanceId: ID,
    input: {
      request: { url: FEED, playlist: { maxItems: 10, concurrency: 2 }, maxHeight: 720, ...request },
      outputBlobName: `${ID}/${ID}.mp4`,
      submittedAt: START.toISOString(),
    },
    start: START,
    name: 'playlistOrchestrator',
  });
  await job.completeActivity('loadJobSettings', { ok: true, settings: JOB_SETTINGS });
  return job;
}

/** Creates the listing group, delivers the listing and removes the group. */
async function listed(job: OrchestratorReplay, listing: PlaylistListing): Promise<void> {
  await job.completeActivity('createJobContainer', { ok: true, groupName: 'g', priority: 'Regular' });
  await job.raiseEvent('PlaylistListed', listing);
  await job.completeActivity('deleteJobContainer', GONE);
}

const running = (job: OrchestratorReplay) =>
  job
    .subOrchestrations()
    .filter((s) => s.state === 'running')
    .map((s) => s.instanceId);

describe('playlistOrchestrator', () => {
  it('lists the playlist in its own container group, then runs each item as a child job with the same options', async () => {
    const job = await startPlaylist({
      outputName: 'talks/keynote',
      notifyUrl: 'https://hooks.example.com/x',
    });
    const [create] = job.pendingActivities('createJobContainer');
    // The playlist's own group is the listing run: the worker sees playlist.maxItems and lists.
    expect(create?.input).toMatchObject({
      instanceId: ID,
      request: { url: FEED, playlist: { maxItems: 10 } },
    });
    await listed(job, { title: 'Talks', items: [{ url: item(1) }, { url: item(2) }] });

    expect(job.subOrchestrations().map((s) => [s.name, s.instanceId])).toEqual([
      ['jobOrchestrator', child(1)],
      ['jobOrchestrator', child(2)],
    ]);
    // Same options, its own URL and blob prefix, the parent named; one set of notifications (the playlist's).
    expect(job.subOrchestrations()[0]?.input).toEqual({
      request: { url: item(1), maxHeight: 720, outputName: 'talks/keynote' },
      outputBlobName: `${child(1)}/talks/keynote.mp4`,
      submittedAt: job.now.toISOString(),
      parentId: ID,
    });
  });

  it('never runs more than `concurrency` items at once, and starts the next as soon as one ends', async () => {
    const job = await startPlaylist({ playlist: { maxItems: 10, concurrency: 2 } });
    await listed(job, { items: [1, 2, 3, 4, 5].map((n) => ({ url: item(n) })) });
    expect(running(job)).toEqual([child(1), child(2)]);

    await job.completeSubOrchestration(child(1), succeededWith(`${child(1)}/${child(1)}.mp4`));
    expect(running(job)).toEqual([child(2), child(3)]);
    // An item that was started in an earlier round is seen at the next poll.
    await job.completeSubOrchestration(child(2), succeededWith(`${child(2)}/${child(2)}.mp4`));
    expect(running(job)).toEqual([child(3)]);
    await job.fireTimer();
    expect(running(job)).toEqual([child(3), child(4)]);
    await job.completeSubOrchestration(child(4), succeededWith(`${child(4)}/${child(4)}.mp4`));
    expect(running(job)).toEqual([child(3), child(5)]);
    expect(job.reply.isDone).toBe(false);
  });

  it('lets one failed item fail alone, and ends with a summary of every child, its status and outputs', async () => {
    const job = await startPlaylist({ playlist: { maxItems: 10, concurrency: 2 } });
    await listed(job, { items: [1, 2, 3].map((n) => ({ url: item(n), title: `Episode ${n}` })) });
    await job.failSubOrchestration(child(1), 'NOT_FOUND: The source answered 404 Not Found.');
    await job.completeSubOrchestration(child(3), succeededWith(`${child(3)}/${child(3)}.mp4`));
    await job.completeSubOrchestration(child(2), succeededWith(`${child(2)}/${child(2)}.mp4`));
    await job.fireTimer();

    expect(job.reply.isDone).toBe(true);
    const summary = playlistSummarySchema.parse(job.reply.output);
    expect(summary.status).toBe('Succeeded');
    expect(summary.children.map((c) => [c.id, c.status, c.error?.code])).toEqual([
      [child(1), 'Failed', 'NOT_FOUND'],
      [child(2), 'Succeeded', undefined],
      [child(3), 'Succeeded', undefined],
    ]);
    expect(summary.children[0]?.error).toEqual({
      code: 'NOT_FOUND',
      message: 'The source answered 404 Not Found.',
      retryable: false,
    });
    expect(summary.children[1]?.outputs?.map((o) => o.blobName)).toEqual([`${child(2)}/${child(2)}.mp4`]);
    expect(summary.children[1]?.title).toBe('Episode 2');
    expect(job.customStatus).toMatchObject({
      phase: 'Done',
      percent: 100,
      playlist: { items: 3, started: 3, succeeded: 2, failed: 1, canceled: 0, duplicates: 0 },
    });
  });

  it('fetches an item named twice in the listing once: by the same extractor id, or the same URL', async () => {
    const job = await startPlaylist({ playlist: { maxItems: 10, concurrency: 4 } });
    await listed(job, {
      items: [
        { url: item(1), archiveKey: 'generic ep-1' },
        { url: `${item(1)}?utm=feed`, archiveKey: 'generic ep-1' },
        { url: item(2), archiveKey: 'generic ep-2' },
        { url: item(2), archiveKey: 'generic ep-2-again' },
      ],
    });
    expect(job.subOrchestrations().map((s) => (s.input as { request: { url: string } }).request.url)).toEqual(
      [item(1), item(2)],
    );
    await job.completeSubOrchestration(child(1), succeededWith(`${child(1)}/${child(1)}.mp4`));
    await job.fireTimer();
    await job.completeSubOrchestration(child(2), succeededWith(`${child(2)}/${child(2)}.mp4`));
    await job.fireTimer();
    expect(job.reply.isDone).toBe(true);
    const summary = playlistSummarySchema.parse(job.reply.output);
    expect(summary.listed).toBe(4);
    expect(summary.duplicates).toEqual([
      { url: `${item(1)}?utm=feed`, archiveKey: 'generic ep-1', sameAs: child(1) },
      { url: item(2), archiveKey: 'generic ep-2-again', sameAs: child(2) },
    ]);
  });

  it('fails PLAYLIST_FAILED when no item succeeds, still listing every child', async () => {
    const job = await startPlaylist({ playlist: { maxItems: 10, concurrency: 2 } });
    await listed(job, { items: [{ url: item(1) }, { url: item(2) }] });
    await job.failSubOrchestration(child(1), 'NOT_FOUND: gone');
    await job.fireTimer();
    await job.failSubOrchestration(child(2), 'TIMEOUT: The job did not finish within 60 minutes.');
    await job.fireTimer();
    const summary = playlistSummarySchema.parse(job.reply.output);
    expect(summary.status).toBe('Failed');
    expect(summary.error?.code).toBe('PLAYLIST_FAILED');
    expect(summary.children.map((c) => c.status)).toEqual(['Failed', 'Failed']);
    expect(summary.children[1]?.error).toMatchObject({ code: 'TIMEOUT', retryable: true });
  });

  it('passes a cancel on to every running item, starts no other, and ends Canceled once they have ended', async () => {
    const job = await startPlaylist({ playlist: { maxItems: 10, concurrency: 2 } });
    await listed(job, { items: [1, 2, 3, 4].map((n) => ({ url: item(n) })) });
    await job.raiseEvent('CancelJob', { requestedAt: job.now.toISOString() });
    expect(job.pendingActivities('cancelPlaylistChildren').map((a) => a.input)).toEqual([
      { childIds: [child(1), child(2)] },
    ]);
    await job.completeActivity('cancelPlaylistChildren', { canceled: [child(1), child(2)], finished: [] });
    expect(job.reply.isDone).toBe(false);
    await job.failSubOrchestration(child(1), 'CANCELED: The job was canceled before it finished.');
    await job.fireTimer();
    await job.failSubOrchestration(child(2), 'CANCELED: The job was canceled before it finished.');
    await job.fireTimer();

    expect(job.subOrchestrations()).toHaveLength(2);
    const summary = playlistSummarySchema.parse(job.reply.output);
    expect(summary.status).toBe('Canceled');
    expect(summary.error?.code).toBe('CANCELED');
    expect(summary.children.map((c) => [c.id, c.status])).toEqual([
      [child(1), 'Canceled'],
      [child(2), 'Canceled'],
      [child(3), 'Canceled'],
      [child(4), 'Canceled'],
    ]);
    expect(summary.children[3]?.error?.message).toBe('The playlist was canceled before this item started.');
    expect(job.customStatus).toMatchObject({ phase: 'Done', error: { code: 'CANCELED' } });
  });

  it('lists a signed playlist URL with the full URL the starter kept, and forgets it once listed', async () => {
    const job = await OrchestratorReplay.start(playlistHandler, {
      instanceId: ID,
      input: {
        request: { url: `${FEED}?REDACTED`, playlist: { maxItems: 10, concurrency: 2 } },
        outputBlobName: `${ID}/${ID}.mp4`,
        submittedAt: START.toISOString(),
        signedSource: true,
      },
      start: START,
      name: 'playlistOrchestrator',
    });
    await job.completeActivity('loadJobSettings', { ok: true, settings: JOB_SETTINGS });
    expect(job.pendingActivities('createJobContainer')[0]?.input).toMatchObject({ signedSource: true });
    await listed(job, { items: [{ url: item(1) }] });
    expect(job.pendingActivities('forgetSignedSource').map((a) => a.input)).toEqual([{ instanceId: ID }]);
    await job.completeActivity('forgetSignedSource', { forgotten: true });
    expect(running(job)).toEqual([child(1)]);
  });

  it('ends Canceled CANCEL_WAIT_MINUTES after a cancel even if an item never ends, showing that item as Running', async () => {
    const job = await startPlaylist({ playlist: { maxItems: 10, concurrency: 1 } });
    await listed(job, { items: [{ url: item(1) }, { url: item(2) }] });
    const canceledAt = job.now.getTime();
    await job.raiseEvent('CancelJob', {});
    await job.completeActivity('cancelPlaylistChildren', { canceled: [child(1)], finished: [] });
    for (let polls = 0; !job.reply.isDone && polls < 100; polls++) await job.fireTimer();
    expect(job.now.getTime() - canceledAt).toBeGreaterThanOrEqual(CANCEL_WAIT_MINUTES * 60_000);
    const summary = playlistSummarySchema.parse(job.reply.output);
    expect(summary.status).toBe('Canceled');
    expect(summary.children.map((c) => [c.id, c.status])).toEqual([
      [child(1), 'Running'],
      [child(2), 'Canceled'],
    ]);
  });

  it('removes the listing group and ends Canceled when canceled while listing', async () => {
    const job = await startPlaylist();
    await job.completeActivity('createJobContainer', { ok: true, groupName: 'g', priority: 'Regular' });
    await job.raiseEvent('CancelJob', {});
    expect(job.pendingActivities('deleteJobContainer').map((a) => a.input)).toEqual([{ instanceId: ID }]);
    await job.completeActivity('deleteJobContainer', GONE);
    expect(playlistSummarySchema.parse(job.reply.output)).toMatchObject({ status: 'Canceled', children: [] });
    expect(job.subOrchestrations()).toEqual([]);
  });

  it("ends Failed with the listing container's own error when the playlist cannot be listed", async () => {
    const job = await startPlaylist();
    await job.completeActivity('createJobContainer', { ok: true, groupName: 'g', priority: 'Regular' });
    const error = { code: 'SOURCE_SIGN_IN_REQUIRED', message: 'Sign in to confirm.', retryable: false };
    await job.raiseEvent('JobFinished', { status: 'Failed', error });
    await job.completeActivity('deleteJobContainer', GONE);
    expect(playlistSummarySchema.parse(job.reply.output)).toMatchObject({
      status: 'Failed',
      error,
      children: [],
    });
    expect(job.customStatus).toMatchObject({ phase: 'Done', error });
  });

  it('fails CONTAINER_EXITED when the listing container exits without a report', async () => {
    const job = await startPlaylist();
    await job.completeActivity('createJobContainer', { ok: true, groupName: 'g', priority: 'Regular' });
    await job.fireTimer();
    await job.completeActivity('inspectJobContainer', containerExited(137, ['killed']));
    await job.fireTimer(); // the grace period for a report in flight
    await job.completeActivity('deleteJobContainer', GONE);
    const summary = playlistSummarySchema.parse(job.reply.output);
    expect(summary.error?.code).toBe('CONTAINER_EXITED');
    expect(summary.error?.message).toContain('exited with code 137');
  });

  it('refuses an input without a playlist, creating nothing', async () => {
    const job = await OrchestratorReplay.start(playlistHandler, {
      instanceId: ID,
      input: { request: { url: FEED }, outputBlobName: `${ID}/${ID}.mp4`, submittedAt: START.toISOString() },
      start: START,
      name: 'playlistOrchestrator',
    });
    await job.completeActivity('loadJobSettings', { ok: true, settings: JOB_SETTINGS });
    expect(playlistSummarySchema.parse(job.reply.output).error?.code).toBe('INVALID_INPUT');
    expect(job.activities('createJobContainer')).toEqual([]);
  });
});

describe('jobOrchestrator and playlists', () => {
  it('refuses a playlist request started as one job, creating nothing', async () => {
    const job = await OrchestratorReplay.start(jobHandler, {
      instanceId: ID,
      input: {
        request: { url: FEED, playlist: { maxItems: 5, concurrency: 1 } },
        outputBlobName: `${ID}/${ID}.mp4`,
        submittedAt: START.toISOString(),
      },
      start: START,
      name: 'jobOrchestrator',
    });
    await job.completeActivity('loadJobSettings', { ok: true, settings: JOB_SETTINGS });
    expect(job.reply.failed).toBe(true);
    expect(job.reply.error).toContain('INVALID_INPUT');
    expect(job.activities('createJobContainer')).toEqual([]);
  });
});
