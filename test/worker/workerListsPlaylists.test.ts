import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playlistListingSchema } from '../../src/shared/contracts.js';
import { WORKER_ENV } from '../../src/shared/workerEnvironment.js';
import { listingFromYtDlpJson } from '../../src/worker/listPlaylist.js';
import { startPlaylistSite, type PlaylistSite } from '../support/playlistSite.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';

let bed: WorkerTestBed;
let site: PlaylistSite;
beforeAll(async () => {
  bed = await startWorkerTestBed();
  site = await startPlaylistSite(bed.fixtures);
});
afterAll(async () => {
  await site?.close();
  await bed?.stop();
});

async function blobNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of bed.container.listBlobsFlat()) names.push(blob.name);
  return names;
}

/** Runs the worker in list mode on `url` and returns its exit code, logs and the last report of each kind. */
async function listWith(url: string, maxItems: number) {
  const before = bed.callback.attempts.length;
  const env = bed.env(url, {
    [WORKER_ENV.playlistMaxItems]: String(maxItems),
    [WORKER_ENV.allowedPrivateSources]: new URL(site.server.origin).host,
  });
  const { code, logs } = await runWorkerProcess(env, 60_000);
  const reports = bed.callback.attempts.slice(before);
  return {
    code,
    logs,
    reports,
    listing: reports.find((r) => r.eventName === 'PlaylistListed')?.body,
    finished: reports.find((r) => r.eventName === 'JobFinished')?.body,
  };
}

describe('the worker in list mode (MF_PLAYLIST_MAX_ITEMS)', () => {
  it(
    "reports an RSS feed's enclosures in order, with the guid as the item's id, and downloads nothing",
    { timeout: 90_000 },
    async () => {
      const entries = [1, 2, 3].map((n) => ({
        path: site.itemPath(n),
        title: `Episode ${n}`,
        guid: `ep-${n}`,
      }));
      const url = site.feed('podcast', entries);
      const blobsBefore = await blobNames();
      const { code, logs, reports, listing, finished } = await listWith(url, 10);
      expect(code, logs).toBe(0);
      expect(finished).toBeUndefined();
      // Its only report is the listing: the playlist's progress is its items'.
      expect(reports.map((r) => r.eventName)).toEqual(['PlaylistListed']);
      expect(playlistListingSchema.parse(listing)).toEqual({
        title: 'podcast',
        items: entries.map((e) => ({
          url: site.server.url(e.path),
          archiveKey: `generic ${e.guid}`,
          title: e.title,
        })),
      });
      // Listing is not downloading: no item was fetched, nothing was uploaded, no temp dir is left.
      for (const e of entries) expect(site.requestsFor(e.path)).toBe(0);
      expect(await blobNames()).toEqual(blobsBefore);
      expect(bed.leftoverWorkDirs()).toEqual([]);
    },
  );

  it('lists at most maxItems entries', { timeout: 90_000 }, async () => {
    const url = site.feed(
      'long',
      [1, 2, 3, 4, 5].map((n) => ({ path: site.itemPath(n) })),
    );
    const { code, logs, listing } = await listWith(url, 2);
    expect(code, logs).toBe(0);
    expect(playlistListingSchema.parse(listing).items.map((i) => i.url)).toEqual([
      site.server.url(site.itemPath(1)),
      site.server.url(site.itemPath(2)),
    ]);
  });

  it("reports an HTML page's videos by their media URLs", { timeout: 90_000 }, async () => {
    const entries = [6, 7, 8].map((n) => ({ path: site.itemPath(n) }));
    const url = site.page('videos', entries);
    const { code, logs, listing } = await listWith(url, 10);
    expect(code, logs).toBe(0);
    const parsed = playlistListingSchema.parse(listing);
    expect(parsed.items.map((i) => i.url)).toEqual(entries.map((e) => site.server.url(e.path)));
    // Each video has its own key for the download archive.
    expect(new Set(parsed.items.map((i) => i.archiveKey)).size).toBe(3);
  });

  it(
    'reports a playlist address that cannot be read as a failed job, with the code yt-dlp earned',
    {
      timeout: 90_000,
    },
    async () => {
      const { code, logs, listing, finished } = await listWith(site.server.url('no-such-feed.xml'), 10);
      expect(code, logs).toBe(1);
      expect(listing).toBeUndefined();
      expect(finished).toMatchObject({ status: 'Failed', error: { code: 'NOT_FOUND' } });
    },
  );

  it(
    'refuses to list a playlist on an address the source policy does not allow',
    { timeout: 60_000 },
    async () => {
      const before = bed.callback.attempts.length;
      const env = bed.env(site.feed('elsewhere', [{ path: site.itemPath(1) }]), {
        [WORKER_ENV.playlistMaxItems]: '5',
      });
      const { code, logs } = await runWorkerProcess(env, 60_000);
      expect(code, logs).toBe(2);
      expect(logs).toContain('MF_SOURCE_URL is refused by the source policy (PRIVATE_ADDRESS)');
      const finished = bed.callback.attempts.slice(before).find((r) => r.eventName === 'JobFinished');
      expect(finished?.body).toMatchObject({ status: 'Failed', error: { code: 'BAD_CONFIG' } });
      expect(bed.callback.attempts.slice(before).some((r) => r.eventName === 'PlaylistListed')).toBe(false);
    },
  );
});

describe("reading yt-dlp's flat listing", () => {
  it('takes a flat entry (a reference) by its URL and its extractor and id as the archive key', () => {
    const listing = listingFromYtDlpJson(
      {
        _type: 'playlist',
        title: 'Channel',
        webpage_url: 'https://videos.example/channel',
        entries: [
          {
            _type: 'url',
            ie_key: 'Youtube',
            id: 'abc',
            url: 'https://videos.example/watch?v=abc',
            title: 'A',
          },
          { _type: 'url', ie_key: 'Youtube', id: 'def', url: 'ftp://videos.example/def' },
          { _type: 'url', url: 'https://videos.example/watch?v=ghi' },
        ],
      },
      'https://videos.example/channel',
      10,
    );
    // An entry without an http(s) URL cannot become a job; one without an id is keyed by its URL alone.
    expect(listing).toEqual({
      title: 'Channel',
      items: [
        { url: 'https://videos.example/watch?v=abc', archiveKey: 'youtube abc', title: 'A' },
        { url: 'https://videos.example/watch?v=ghi' },
      ],
    });
  });

  it('lists a URL that is not a playlist as its one video', () => {
    expect(
      listingFromYtDlpJson(
        { _type: 'video', id: 'clip', title: 'Clip', webpage_url: 'https://videos.example/clip' },
        'https://videos.example/clip',
        10,
      ),
    ).toEqual({
      title: 'Clip',
      items: [{ url: 'https://videos.example/clip', archiveKey: 'generic clip', title: 'Clip' }],
    });
  });
});
