import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { outputSpecSchema } from '../../src/shared/outputSpecs.js';
import { mergeSiteSubtitles } from '../../src/worker/outputs/mergeSiteSubtitles.js';
import { ytDlpArguments } from '../../src/worker/ytDlpArguments.js';

const base = {
  url: 'https://media.example.com/v',
  socketTimeoutSeconds: 5,
  retries: 1,
  outputTemplate: '/w/source.%(ext)s',
};
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('site subtitles', () => {
  it('asks yt-dlp for subtitles only when requested, automatic captions only when opted in', () => {
    expect(ytDlpArguments(base).some((a) => a.includes('sub'))).toBe(false);
    const all = ytDlpArguments({
      ...base,
      subtitles: { languages: undefined, auto: false, outputTemplate: '/w/s/source.%(ext)s' },
    });
    expect(all).toEqual(
      expect.arrayContaining(['--write-subs', '--sub-format', 'vtt/best', '--convert-subs', 'vtt']),
    );
    expect(all[all.indexOf('--sub-langs') + 1]).toBe('all');
    expect(all).not.toContain('--write-auto-subs');
    expect(all.indexOf('--')).toBe(all.length - 2);
    const some = ytDlpArguments({
      ...base,
      subtitles: { languages: ['en', 'pt-BR'], auto: true, outputTemplate: '/w/s/source.%(ext)s' },
    });
    expect(some[some.indexOf('--sub-langs') + 1]).toBe('en,en-.*,pt-BR,pt-BR-.*');
    expect(some).toContain('--write-auto-subs');
    expect(some).toContain('subtitle:/w/s/source.%(ext)s');
    expect(outputSpecSchema.safeParse({ kind: 'subtitles', auto: true }).success).toBe(true);
    expect(outputSpecSchema.safeParse({ kind: 'subtitles', auto: 'yes' }).success).toBe(false);
  });

  it('lets a site file replace the embedded track of its language and keeps the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mediaferry-merge-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'out', 'subtitles'), { recursive: true });
    writeFileSync(join(dir, 'out', 'subtitles', 'en.vtt'), 'WEBVTT\n\nembedded');
    writeFileSync(join(dir, 'out', 'subtitles', 'deu.vtt'), 'WEBVTT\n\nembedded de');
    writeFileSync(join(dir, 'source.en.vtt'), 'WEBVTT\n\nfrom the site');
    const merged = mergeSiteSubtitles(
      join(dir, 'out'),
      [
        { path: 'subtitles/deu.vtt', language: 'deu', bytes: 18 },
        { path: 'subtitles/en.vtt', language: 'en', bytes: 15 },
      ],
      [{ language: 'en', path: join(dir, 'source.en.vtt') }],
    );
    expect(merged.map((f) => f.path)).toEqual(['subtitles/deu.vtt', 'subtitles/en.vtt']);
    expect(readFileSync(join(dir, 'out', 'subtitles', 'en.vtt'), 'utf8')).toContain('from the site');
    expect(merged.find((f) => f.language === 'en')?.bytes).toBe('WEBVTT\n\nfrom the site'.length);
  });
});
