import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobResultSchema, type JobResult } from '../../src/shared/contracts.js';
import { startMediaServer, type MediaServer } from '../support/mediaServer.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';

const vtt = (text: string) =>
  `WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n${text}\n\n00:00:01.000 --> 00:00:02.000\n${text} again\n`;

/** HTML5 pages the way a site serves them: a <video>, with or without caption <track>s. */
function page(tracks: string): string {
  return (
    '<!doctype html><html><head><title>Captioned clip</title></head><body>\n' +
    `<video controls width="640"><source src="clip.mp4" type="video/mp4">${tracks}</video>\n` +
    '</body></html>\n'
  );
}

let bed: WorkerTestBed;
let site: MediaServer;
let root: string;

beforeAll(async () => {
  bed = await startWorkerTestBed();
  root = mkdtempSync(join(tmpdir(), 'mediaferry-site-subtitles-'));
  copyFileSync(join(bed.fixtures.dir, bed.fixtures.progressiveMp4), join(root, 'clip.mp4'));
  writeFileSync(join(root, 'en.vtt'), vtt('Hello from the site'));
  writeFileSync(join(root, 'fr.vtt'), vtt('Bonjour du site'));
  writeFileSync(
    join(root, 'captioned.html'),
    page(
      '<track kind="subtitles" srclang="en" label="English" src="en.vtt">' +
        '<track kind="subtitles" srclang="fr" label="Français" src="fr.vtt">',
    ),
  );
  writeFileSync(join(root, 'plain.html'), page(''));
  site = await startMediaServer({ root });
}, 120_000);
afterAll(async () => {
  await Promise.allSettled([bed?.stop(), site?.close()]);
  rmSync(root, { recursive: true, force: true });
});

async function succeeded(url: string, outputs: unknown[]) {
  const env = bed.env(url, {
    MF_OUTPUTS: JSON.stringify(outputs),
    MF_ALLOWED_PRIVATE_SOURCES: new URL(site.origin).host,
  });
  const { code, logs } = await runWorkerProcess(env, 90_000);
  expect(code, logs).toBe(0);
  const result: JobResult = jobResultSchema.parse(bed.callback.accepted('JobFinished').at(-1)?.body);
  if (result.status !== 'Succeeded') throw new Error(JSON.stringify(result));
  return { result, prefix: env.MF_OUTPUT_BLOB_NAME!.replace(/\.mp4$/, ''), logs };
}

async function blobText(name: string): Promise<string> {
  return (await bed.container.getBlobClient(name).downloadToBuffer()).toString('utf8');
}

describe('the subtitles output takes the site subtitles yt-dlp finds', { timeout: 150_000 }, () => {
  it('delivers the tracks of an HTML5 video as WebVTT per language', async () => {
    const { result, prefix } = await succeeded(site.url('captioned.html'), [{ kind: 'subtitles' }]);
    const subtitles = result.outputs.find((o) => o.kind === 'subtitles');
    expect(subtitles).toMatchObject({
      blobName: `${prefix}/subtitles/en.vtt`,
      contentType: 'text/vtt',
      languages: ['en', 'fr'],
      files: 2,
    });
    const english = await blobText(`${prefix}/subtitles/en.vtt`);
    expect(english.startsWith('WEBVTT')).toBe(true);
    expect(english).toMatch(/00:00(:00)?\.000 --> 00:00(:01)?\.000/);
    expect(english).toContain('Hello from the site');
    expect(await blobText(`${prefix}/subtitles/fr.vtt`)).toContain('Bonjour du site again');
    const paths = site.requests.map((r) => r.path);
    expect(paths).toEqual(expect.arrayContaining(['/captioned.html', '/en.vtt', '/fr.vtt']));
  });

  it('fetches only the languages asked for, and notes a page without captions instead of failing', async () => {
    const before = site.requests.length;
    const { result, prefix } = await succeeded(site.url('captioned.html'), [
      { kind: 'subtitles', languages: ['fr'] },
    ]);
    expect(result.outputs.find((o) => o.kind === 'subtitles')).toMatchObject({
      blobName: `${prefix}/subtitles/fr.vtt`,
      languages: ['fr'],
      files: 1,
    });
    expect(site.requests.slice(before).map((r) => r.path)).not.toContain('/en.vtt');

    const plain = await succeeded(site.url('plain.html'), [{ kind: 'subtitles' }, { kind: 'thumbnail' }]);
    expect(plain.result.outputs.map((o) => o.kind)).toEqual(['thumbnail']);
    expect(plain.result.missing).toEqual([{ kind: 'subtitles', message: 'The source has no subtitles.' }]);
  });
});
