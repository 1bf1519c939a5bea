import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaFixtures } from './mediaFixtures.js';
import { startMediaServer, type MediaServer } from './mediaServer.js';

/** One entry of a served playlist: the media path it points at (no file there means a 404). */
export interface PlaylistEntry {
  /** A path on the site, or an absolute URL (written into the playlist as it is, never fetched by the site). */
  path: string;
  title?: string;
  /** The RSS item's guid, which yt-dlp's generic extractor takes as the item's id. */
  guid?: string;
}

/**
 * Playlists yt-dlp understands offline, served from 127.0.0.1: an RSS/podcast feed of enclosures and
 * an HTML page of `<video>` tags. Each `item-<n>.mp4` is the fixtures' progressive MP4 under its own
 * name, so every item is a distinct URL whose requests can be counted.
 */
export interface PlaylistSite {
  server: MediaServer;
  /** `item-<n>.mp4`, created on first use; `missing.mp4` (never created) answers 404. */
  itemPath(n: number): string;
  /** Writes an RSS feed with one enclosure per entry; returns its URL. */
  feed(name: string, entries: PlaylistEntry[]): string;
  /** Writes an HTML page with one `<video>` per entry; returns its URL. */
  page(name: string, entries: PlaylistEntry[]): string;
  /** GET requests for a path (media downloads and probes). */
  requestsFor(path: string): number;
  close(): Promise<void>;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function startPlaylistSite(fixtures: MediaFixtures): Promise<PlaylistSite> {
  const dir = mkdtempSync(join(tmpdir(), 'mediaferry-playlists-'));
  const server = await startMediaServer({ root: dir });
  return {
    server,
    itemPath(n) {
      const name = `item-${n}.mp4`;
      if (!existsSync(join(dir, name)))
        symlinkSync(join(fixtures.dir, fixtures.progressiveMp4), join(dir, name));
      return name;
    },
    feed(name, entries) {
      const items = entries
        .map(
          (e, i) =>
            `<item><title>${escapeXml(e.title ?? `Episode ${i + 1}`)}</title><guid>${escapeXml(e.guid ?? `ep-${i + 1}`)}</guid>` +
            `<enclosure url="${escapeXml(/^https?:/.test(e.path) ? e.path : server.url(e.path))}" type="video/mp4" length="1"/></item>`,
        )
        .join('\n');
      writeFileSync(
        join(dir, `${name}.xml`),
        `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${escapeXml(name)}</title>` +
          `<link>${server.origin}/</link><description>Test feed</description>\n${items}\n</channel></rss>\n`,
      );
      return server.url(`${name}.xml`);
    },
    page(name, entries) {
      const videos = entries.map((e) => `<video src="${escapeXml(e.path)}"></video>`).join('\n');
      writeFileSync(
        join(dir, `${name}.html`),
        `<!DOCTYPE html><html><head><title>${escapeXml(name)}</title></head><body>\n${videos}\n</body></html>\n`,
      );
      return server.url(`${name}.html`);
    },
    requestsFor: (path) => server.requests.filter((r) => r.path === `/${path}` && r.method === 'GET').length,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
