// Over 400 lines: one browser session walks the whole library in order; each step builds on the last.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobViewSchema, type JobView } from '../../src/shared/jobView.js';
import { hasChromium, launchChromium, newProfile, screenshots } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';
import { startMediaServer } from '../support/mediaServer.js';
import { startPlaylistSite } from '../support/playlistSite.js';

/** Waits until the player has attached a source to `video`, and answers which kind it chose. */
async function attachedSource(video: Locator, timeoutMs: number): Promise<string | null> {
  await eventually(
    'the source to attach',
    async () => (await video.getAttribute('data-source')) !== null,
    timeoutMs,
  );
  return video.getAttribute('data-source');
}

/** Plays the page's video muted until it is half a second in, and checks it met no media error. */
async function playsWithoutError(page: Page, what: string, timeoutMs: number): Promise<void> {
  await page.evaluate('document.querySelector("video").muted = true; document.querySelector("video").play()');
  await eventually(
    what,
    async () => ((await page.evaluate('document.querySelector("video").currentTime')) as number) > 0.5,
    timeoutMs,
  );
  expect(await page.evaluate('document.querySelector("video").error')).toBeNull();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The web library in real Chromium on the local stack, used as a person would: find things by role
 * and accessible name, sign in on the host's sign-in form, submit, watch progress, play, cancel, sign out.
 */
describe.skipIf(!hasChromium)('the web library in a browser', () => {
  let env: LocalTestStack;
  let browser: Browser;
  let ada: BrowserContext;
  let page: Page;
  const origin = () => env.stack.hostOrigin;

  beforeAll(async () => {
    env = await startLocalTestStack({ settings: { LIVENESS_POLL_SECONDS: '2' } });
    browser = await launchChromium();
    ada = await newProfile(browser);
    page = await ada.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await env?.stopExpectingNothingLeft();
  });

  /** Signs in on the host's local sign-in form, from wherever the app sent the browser. */
  async function signIn(on: Page, user: string): Promise<void> {
    expect(new URL(on.url()).pathname).toBe('/.auth/login/aad');
    await on.getByRole('textbox', { name: 'User name' }).fill(user);
    await on.getByRole('button', { name: 'Sign in' }).click();
    await on.waitForURL((url) => !url.pathname.startsWith('/.auth/'));
  }

  /** axe-core's serious and critical findings on the page as it is now. */
  async function accessibilityProblems(on: Page): Promise<string[]> {
    await on.evaluate(axeSource);
    const found = (await on.evaluate(
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")))',
    )) as string[];
    return found;
  }

  async function apiJob(on: Page, id: string): Promise<{ status: number; body: unknown }> {
    const answer = await on.request.get(`${origin()}/api/web/jobs/${id}`);
    return { status: answer.status(), body: await answer.json() };
  }

  it('sends a visitor to sign-in and back to the page they asked for', async () => {
    await page.goto(`${origin()}/submit`);
    await signIn(page, 'ada');
    expect(new URL(page.url()).pathname).toBe('/submit');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Submit');
    // The keyboard's first stop is the skip link, and it shows itself when focused.
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    expect(await skip.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    expect((await skip.boundingBox())!.x).toBeGreaterThanOrEqual(0);
    await eventually(
      'the user name in the header',
      async () => (await page.locator('#user-name').textContent()) === 'ada',
      10_000,
    );
  });

  it('shows the API refusing a URL next to the URL box', async () => {
    const form = page.getByRole('form', { name: 'From a URL' });
    const url = form.getByRole('textbox', { name: 'Video URL' });
    await url.fill('ftp://example.com/clip.mp4');
    await form.getByRole('button', { name: 'Start job' }).click();
    await eventually(
      'the field error',
      async () => (await url.getAttribute('aria-invalid')) === 'true',
      10_000,
    );
    const errorId = (await url.getAttribute('aria-describedby'))
      ?.split(' ')
      .find((id) => id.endsWith('-error'));
    const message = await page.locator(`#${errorId}`).textContent();
    expect(message).toMatch(/http/i);
    expect(await page.locator(`#${errorId}`).isVisible()).toBe(true);
    await screenshots(page, 'submit-error');
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  let mp4Job: JobView;
  it('submits a loopback URL and follows its progress on the Jobs page without reloading', async () => {
    // A slow source, so the download's progress shows on the page for a few polls.
    env.media.setBehaviour(env.fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 100_000 });
    const form = page.getByRole('form', { name: 'From a URL' });
    await form.getByRole('textbox', { name: 'Video URL' }).fill(env.media.url(env.fixtures.progressiveMp4));
    await form.getByRole('combobox', { name: 'Outputs' }).selectOption('');
    await form.getByRole('button', { name: 'Start job' }).click();
    await page.waitForURL((url) => url.pathname === '/jobs');
    const id = decodeURIComponent(new URL(page.url()).hash.replace(/^#job-/, ''));
    expect(id).toMatch(/^o[0-9a-f]{16}-[0-9a-f]{32}$/);
    // Layout shifts while progress updates (none expected: every changing part has its space).
    await page.evaluate(
      'window.__shift = 0; new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; }).observe({ type: "layout-shift" })',
    );
    const running = page.getByRole('list', { name: 'Running' });
    const finished = page.getByRole('list', { name: 'Finished' });
    const seen = new Set<string>();
    let shiftWhileRunning = -1;
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    await eventually(
      'the job to succeed on the page',
      async () => {
        const rows = await running.getByRole('listitem').allTextContents();
        for (const text of rows) seen.add(text.replace(/started.*$/, ''));
        if (rows.length > 0) shiftWhileRunning = (await page.evaluate('window.__shift')) as number;
        // Once it has succeeded the row moves to Finished, titled as the source names itself.
        return (await finished.getByRole('heading', { name: 'progressive', exact: true }).count()) === 1;
      },
      120_000,
      250,
    );
    env.media.clearBehaviours();
    expect(navigations).toBe(0);
    // Progress moved: the running job showed more than one phase (or percent) before the end.
    expect(seen.size, [...seen].join(' | ')).toBeGreaterThanOrEqual(2);
    // (The row moving to Finished at the end is a change of list, not a progress update.)
    expect(shiftWhileRunning).toBeGreaterThanOrEqual(0);
    expect(shiftWhileRunning).toBeLessThan(0.01);
    const answer = await apiJob(page, id);
    expect(answer.status).toBe(200);
    mp4Job = jobViewSchema.parse(answer.body);
    expect(mp4Job.status).toBe('Succeeded');
    await screenshots(page, 'jobs');
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it('lists the finished video in the library and plays the MP4', async () => {
    await page.getByRole('link', { name: 'Library' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    const card = page.getByRole('link', { name: 'progressive', exact: true });
    await card.waitFor();
    await screenshots(page, 'library');
    expect(await accessibilityProblems(page)).toEqual([]);
    await card.click();
    await page.waitForURL((url) => url.pathname === `/watch/${mp4Job.id}`);
    const video = page.locator('video');
    await video.waitFor();
    expect(await attachedSource(video, 10_000)).toBe('file');
    await playsWithoutError(page, 'the MP4 to play', 20_000);
    await page.evaluate('document.querySelector("video").pause()');
    const download = new URL((await page.getByRole('link', { name: /^MP4 \(/ }).getAttribute('href')) ?? '');
    expect(download.pathname).toBe(new URL(mp4Job.outputs[0]!.readUrl).pathname);
    expect(download.searchParams.get('sp')).toBe('r');
    await screenshots(page, 'player-mp4');
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it('submits a playlist from the Submit page and shows it as one card whose page lists its items', async () => {
    const site = await startPlaylistSite(env.fixtures);
    try {
      const feed = site.feed('Road trip', [
        { path: site.itemPath(1), title: 'Morning drive', guid: 'drive' },
        { path: 'missing.mp4', title: 'Lost tape', guid: 'lost' },
      ]);
      await page.goto(`${origin()}/submit`);
      const form = page.getByRole('form', { name: 'From a URL' });
      await form.getByRole('textbox', { name: 'Video URL' }).fill(feed);
      const items = form.getByRole('spinbutton', { name: 'Playlist items' });
      // A count the API refuses is shown beside its field, and nothing starts.
      await items.fill('0');
      await form.getByRole('button', { name: 'Start job' }).click();
      await expect.poll(() => items.getAttribute('aria-invalid')).toBe('true');
      expect(new URL(page.url()).pathname).toBe('/submit');
      await items.fill('5');
      await form.getByRole('button', { name: 'Start job' }).click();
      await page.waitForURL((next) => next.pathname === '/jobs');
      const id = decodeURIComponent(new URL(page.url()).hash.replace(/^#job-/, ''));
      const playlist = await finished(page, id, 240_000);
      expect(playlist.children?.map((child) => child.status)).toEqual(['Succeeded', 'Failed']);

      await page.goto(`${origin()}/`);
      const card = page
        .getByRole('listitem')
        .filter({ has: page.getByRole('link', { name: 'Road trip', exact: true }) });
      await expect.poll(() => card.getByText('Playlist of 1 video').count(), { timeout: 10_000 }).toBe(1);
      await card.getByRole('link', { name: 'Road trip', exact: true }).click();
      await page.waitForURL((url) => url.pathname === `/watch/${playlist.id}`);
      const list = page.getByRole('list', { name: 'Playlist items' });
      await list.waitFor();
      expect(await list.getByRole('listitem').allInnerTexts()).toEqual([
        'Morning drive',
        expect.stringMatching(/^Lost tape \(failed: .+\)$/),
      ]);
      expect(await list.getByRole('link').count()).toBe(1);
      expect(await accessibilityProblems(page)).toEqual([]);
      await list.getByRole('link', { name: 'Morning drive' }).click();
      await page.waitForURL((url) => url.pathname === `/watch/${playlist.children![0]!.id}`);
      expect(await attachedSource(page.locator('video'), 10_000)).toBe('file');
    } finally {
      await site.close();
    }
  });

  /** Waits (through the web API, as the page's own session) until the job has ended. */
  async function finished(on: Page, id: string, timeoutMs = 120_000): Promise<JobView> {
    return eventually(
      `job ${id} to end`,
      async () => {
        const answer = await apiJob(on, id);
        // An upload's job exists once storage has told the app the file arrived.
        if (answer.status === 404) return undefined;
        const view = jobViewSchema.parse(answer.body);
        return ['Succeeded', 'Failed', 'Canceled'].includes(view.status) ? view : undefined;
      },
      timeoutMs,
      500,
    );
  }

  /** Submits a URL on the Submit page and answers the new job's id. */
  async function submitUrl(on: Page, url: string, preset = ''): Promise<string> {
    await on.goto(`${origin()}/submit`);
    const form = on.getByRole('form', { name: 'From a URL' });
    await form.getByRole('textbox', { name: 'Video URL' }).fill(url);
    await form.getByRole('combobox', { name: 'Outputs' }).selectOption(preset);
    await form.getByRole('button', { name: 'Start job' }).click();
    await on.waitForURL((next) => next.pathname === '/jobs');
    return decodeURIComponent(new URL(on.url()).hash.replace(/^#job-/, ''));
  }

  let hlsJob: JobView;
  it('plays an HLS job through hls.js, with storyboard previews on the seek bar', async () => {
    const id = await submitUrl(page, env.media.url(env.fixtures.progressiveMp4), 'streaming');
    hlsJob = await finished(page, id);
    expect(hlsJob.status).toBe('Succeeded');
    await page.goto(`${origin()}/watch/${id}`);
    const video = page.getByRole('region', { name: 'Player' }).locator('video');
    // Chromium has Media Source Extensions, so the player fetched hls.js (its own chunk) and used it.
    expect(await attachedSource(video, 20_000)).toBe('hls.js');
    await playsWithoutError(page, 'the HLS stream to play', 30_000);
    expect(await video.getAttribute('data-player-error')).toBeNull();
    await page.evaluate('document.querySelector("video").pause()');
    const seek = page.getByRole('slider', { name: 'Seek with preview' });
    const box = (await seek.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    const preview = page.getByText(/^0:0\d$/);
    await preview.waitFor();
    const downloads = page.getByRole('list', { name: 'Downloads' }).getByRole('link');
    expect((await downloads.allTextContents()).map((text) => text.replace(/ \(.*$/, ''))).toEqual([
      'Thumbnail',
      'Storyboard',
    ]);
    await screenshots(page, 'player-hls');
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  let subtitlesJob = '';
  it('offers every subtitles language of a job as a track of the player', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mediaferry-subtitles-'));
    const served = await startMediaServer({ root: dir });
    try {
      const cue = (text: string) => `WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n${text}\n`;
      writeFileSync(join(dir, 'en.vtt'), cue('Hello'));
      writeFileSync(join(dir, 'fr.vtt'), cue('Bonjour'));
      await promisify(execFile)('ffmpeg', [
        ...[
          '-hide_banner',
          '-loglevel',
          'error',
          '-y',
          '-i',
          join(env.fixtures.dir, env.fixtures.progressiveMp4),
        ],
        ...[
          '-i',
          join(dir, 'en.vtt'),
          '-i',
          join(dir, 'fr.vtt'),
          '-map',
          '0:v',
          '-map',
          '0:a',
          '-map',
          '1',
          '-map',
          '2',
        ],
        ...['-c:v', 'copy', '-c:a', 'copy', '-c:s', 'mov_text'],
        ...['-metadata:s:s:0', 'language=eng', '-metadata:s:s:1', 'language=fra', join(dir, 'talk.mp4')],
      ]);
      const id = await submitUrl(page, served.url('talk.mp4'), 'archive');
      subtitlesJob = id;
      const job = await finished(page, id);
      expect(job.status).toBe('Succeeded');
      await page.goto(`${origin()}/watch/${id}`);
      const video = page.getByRole('region', { name: 'Player' }).locator('video');
      await eventually(
        'the source to attach',
        async () => (await video.getAttribute('data-source')) !== null,
        20_000,
      );
      // Both languages are tracks, and each one's cues load through the app's redirect to its read link.
      const cues = await eventually(
        'both tracks to load their cues',
        async () => {
          const texts = (await page.evaluate(
            `[...document.querySelector('video').textTracks].map((t) => { t.mode = 'hidden'; return t.cues && t.cues.length ? t.cues[0].text : ''; })`,
          )) as string[];
          return texts.length === 2 && texts.every(Boolean) ? texts : undefined;
        },
        20_000,
      );
      expect(cues.sort()).toEqual(['Bonjour', 'Hello']);
      expect(await page.evaluate('document.querySelector("video").error')).toBeNull();
    } finally {
      await served.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cancels a slow job from the Jobs page', async () => {
    env.media.setBehaviour(env.fixtures.vp9Webm, { kind: 'throttle', bytesPerSecond: 5_000 });
    const id = await submitUrl(page, env.media.url(env.fixtures.vp9Webm));
    const running = page.getByRole('list', { name: 'Running' });
    const cancel = running.getByRole('button', { name: 'Cancel' });
    await cancel.waitFor();
    await cancel.click();
    const ended = await finished(page, id, 60_000);
    expect(ended.status).toBe('Canceled');
    await eventually(
      'the canceled job in the Finished list',
      async () =>
        (await page.getByRole('list', { name: 'Finished' }).getByRole('listitem').allTextContents()).some(
          (text) => text.includes('Canceled'),
        ),
      20_000,
    );
    env.media.clearBehaviours();
    await env.groupGone(id, 30_000);
  });

  it('uploads a file straight into storage through its upload link, and the job runs', async () => {
    await page.goto(`${origin()}/submit`);
    const form = page.getByRole('form', { name: 'From a file' });
    await form
      .getByLabel('Video or audio file')
      .setInputFiles(join(env.fixtures.dir, env.fixtures.progressiveMp4));
    const put = page.waitForResponse((response) => response.request().method() === 'PUT');
    await form.getByRole('button', { name: 'Upload and start job' }).click();
    // The browser put the file straight into storage through the link (CORS allows the app's origin).
    expect((await put).status()).toBe(201);
    await page.waitForURL((url) => url.pathname === '/jobs');
    const id = decodeURIComponent(new URL(page.url()).hash.replace(/^#job-/, ''));
    expect(id).toMatch(/^o[0-9a-f]{16}-upload-[0-9a-f]{32}$/);
    const ended = await finished(page, id);
    expect(ended.status).toBe('Succeeded');
    expect(ended.source.blob).toMatch(/progressive\.mp4$/);
  });

  it('shows a title with markup in it as text, never as markup', async () => {
    const id = await submitUrl(page, env.media.url('<img src=x onerror=window.__xss=1>.mp4'));
    const ended = await finished(page, id);
    expect(ended.status).toBe('Failed');
    const failedRow = page
      .getByRole('list', { name: 'Finished' })
      .getByRole('heading', { name: '<img src=x onerror=window.__xss=1>.mp4', exact: true });
    await failedRow.waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await screenshots(page, 'jobs-finished');
  });

  it('shows another user none of these jobs, and 404 on their URLs', async () => {
    const grace = await newProfile(browser);
    try {
      const other = await grace.newPage();
      await other.goto(`${origin()}/`);
      await signIn(other, 'grace');
      await other.getByText('No videos yet.').waitFor();
      await other.goto(`${origin()}/jobs`);
      await other.getByText('No jobs yet.').waitFor();
      expect(await other.getByRole('listitem').filter({ hasText: 'progressive' }).count()).toBe(0);
      await other.goto(`${origin()}/watch/${mp4Job.id}`);
      await other.getByText('There is no such video in your library.').waitFor();
      for (const job of [mp4Job, hlsJob]) {
        const answer = await apiJob(other, job.id);
        expect(answer.status).toBe(404);
        expect((answer.body as { error: { code: string } }).error.code).toBe('JOB_NOT_FOUND');
      }
      const playlist = await other.request.get(`${origin()}/api/web/jobs/${hlsJob.id}/hls/master.m3u8`);
      expect(playlist.status()).toBe(404);
      const track = await other.request.get(`${origin()}/api/web/jobs/${subtitlesJob}/subtitles/eng`, {
        maxRedirects: 0,
      });
      expect(track.status()).toBe(404);
      // The owner gets the redirect to the read link.
      const own = await page.request.get(`${origin()}/api/web/jobs/${subtitlesJob}/subtitles/eng`, {
        maxRedirects: 0,
      });
      expect(own.status()).toBe(302);
      await screenshots(other, 'library-empty');
    } finally {
      await grace.close();
    }
  });

  it('signs out, after which every page sends the browser to sign-in', async () => {
    await page.goto(`${origin()}/`);
    await page.getByRole('list', { name: 'Videos' }).getByRole('listitem').first().waitFor();
    await page.waitForLoadState('networkidle');
    await screenshots(page, 'library-full');
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/.auth/login/aad');
    for (const path of ['/', '/submit', '/jobs', `/watch/${mp4Job.id}`]) {
      await page.goto(`${origin()}${path}`);
      expect(new URL(page.url()).pathname).toBe('/.auth/login/aad');
      expect(new URL(page.url()).searchParams.get('post_login_redirect_uri')).toBe(path);
    }
    expect((await apiJob(page, mp4Job.id)).status).toBe(401);
  });
});
