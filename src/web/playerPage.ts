import type { JobOutputView, JobView } from '../shared/jobView.js';
import { webApi, WebApiError } from './api.js';
import { contentRoot, h, replaceChildren } from './dom.js';
import { formatBytes, formatDate, formatDuration, jobTitle, OUTPUT_LABELS } from './format.js';

const HLS_TYPE = 'application/vnd.apple.mpegurl';

/**
 * The app's URL of an HLS output's master playlist: the app signs every segment in the playlists it
 * serves, where the output's own read link signs the master file alone.
 */
function hlsPlaylistUrl(jobId: string, masterBlobName: string): string {
  const master = masterBlobName.slice(masterBlobName.lastIndexOf('/') + 1);
  return `/api/web/jobs/${encodeURIComponent(jobId)}/hls/${encodeURIComponent(master)}`;
}

/** Whether Media Source Extensions can play the H.264/AAC the worker writes (what hls.js needs). */
function mediaSourcePlaysH264(): boolean {
  const source =
    (window as { ManagedMediaSource?: typeof MediaSource }).ManagedMediaSource ?? window.MediaSource;
  return source?.isTypeSupported?.('video/mp4; codecs="avc1.42E01E, mp4a.40.2"') ?? false;
}

/**
 * Attaches the best source: an HLS output through hls.js (fetched only now, and only where Media
 * Source Extensions exist), else through the browser's own HLS playback, else the MP4 or audio file.
 */
async function attachSource(video: HTMLVideoElement, job: JobView): Promise<string> {
  const hls = job.outputs.find((output) => output.kind === 'hls');
  const file =
    job.outputs.find((output) => (output.kind ?? 'mp4') === 'mp4') ??
    job.outputs.find((output) => output.kind === 'audio');
  if (hls && mediaSourcePlaysH264()) {
    const { default: Hls } = await import('hls.js');
    if (Hls.isSupported()) {
      const player = new Hls({ enableWorker: false });
      player.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal) video.dataset['playerError'] = data.details;
      });
      player.loadSource(hlsPlaylistUrl(job.id, hls.blobName));
      player.attachMedia(video);
      return 'hls.js';
    }
  }
  if (hls && video.canPlayType(HLS_TYPE)) {
    video.src = hlsPlaylistUrl(job.id, hls.blobName);
    return 'hls-native';
  }
  if (file) {
    video.src = file.readUrl;
    return 'file';
  }
  return 'none';
}

/** "pt-BR" → "Portuguese (Brazil)" where the browser knows it, else the tag itself. */
function languageName(tag: string): string {
  try {
    return new Intl.DisplayNames(undefined, { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** Storyboard tiles over a seek slider: the frame under the pointer or the keyboard's position. */
function storyboardScrubber(
  video: HTMLVideoElement,
  storyboard: JobOutputView,
  duration: number,
): HTMLElement {
  const tile = storyboard.tile;
  const slider = h('input', {
    type: 'range',
    min: 0,
    max: Math.round(duration * 10),
    step: 1,
    value: 0,
    'aria-label': 'Seek with preview',
    class: 'scrub',
  });
  const preview = h('div', { class: 'scrub-preview', 'aria-hidden': 'true' });
  const time = h('span', { class: 'scrub-time' });
  const box = h('div', { class: 'scrub-box', hidden: true }, preview, time);
  if (tile) {
    preview.style.width = `${tile.width}px`;
    preview.style.height = `${tile.height}px`;
    preview.style.backgroundImage = `url("${CSS.escape(storyboard.readUrl)}")`;
  }
  const showAt = (seconds: number, fraction: number) => {
    if (!tile) return;
    const index = Math.min(tile.count - 1, Math.max(0, Math.floor(seconds / tile.everySeconds)));
    const column = index % tile.columns;
    const row = Math.floor(index / tile.columns);
    preview.style.backgroundPosition = `-${column * tile.width}px -${row * tile.height}px`;
    time.textContent = formatDuration(seconds);
    box.style.left = `${Math.min(100, Math.max(0, fraction * 100))}%`;
    box.hidden = false;
  };
  slider.addEventListener('pointermove', (event) => {
    const rect = slider.getBoundingClientRect();
    const fraction = (event.clientX - rect.left) / rect.width;
    showAt(fraction * duration, fraction);
  });
  slider.addEventListener('pointerleave', () => (box.hidden = true));
  slider.addEventListener('blur', () => (box.hidden = true));
  slider.addEventListener('input', () => {
    const seconds = Number(slider.value) / 10;
    showAt(seconds, seconds / duration);
    video.currentTime = seconds;
  });
  video.addEventListener('timeupdate', () => {
    if (document.activeElement !== slider) slider.value = String(Math.round(video.currentTime * 10));
  });
  return h('div', { class: 'scrubber' }, box, slider);
}

function downloads(job: JobView): HTMLElement {
  return h(
    'ul',
    { class: 'downloads', 'aria-label': 'Downloads' },
    // A playlist's own link opens the playlist alone (its segments need links of their own): the
    // stream is for the player, the files are for downloading.
    ...job.outputs
      .filter((output) => output.kind !== 'hls' && output.kind !== 'dash')
      .map((output) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: output.readUrl, download: '', rel: 'noreferrer' },
            `${OUTPUT_LABELS[output.kind ?? 'mp4'] ?? output.kind} (${formatBytes(output.bytes)})`,
          ),
        ),
      ),
  );
}

/** A playlist job's page: its items in listing order, each linked to its player once it has succeeded. */
function playlistItems(job: JobView): HTMLElement[] {
  const children = job.children ?? [];
  const playable = children.filter((child) => child.status === 'Succeeded').length;
  return [
    h(
      'p',
      { class: 'facts' },
      [`Playlist of ${children.length} items, ${playable} playable`, formatDate(job.createdAt)].join(' · '),
    ),
    h(
      'ol',
      { class: 'playlist-items', 'aria-label': 'Playlist items' },
      ...children.map((child, index) => {
        const name = child.title ?? itemName(child.url) ?? `Item ${index + 1}`;
        if (child.status === 'Succeeded')
          return h('li', {}, h('a', { href: `/watch/${encodeURIComponent(child.id)}` }, name));
        const why = child.error ? `: ${child.error.message}` : '';
        return h(
          'li',
          {},
          name,
          h('span', { class: 'item-status' }, ` (${child.status.toLowerCase()}${why})`),
        );
      }),
    ),
  ];
}

/** The last part of an item's URL path, as a name when the listing gave no title. */
function itemName(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '') || undefined;
  } catch {
    return undefined;
  }
}

export async function playerPage(): Promise<void> {
  const root = contentRoot();
  const heading = document.querySelector('h1');
  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
  const status = h('p', { class: 'status', role: 'status' }, 'Loading…');
  replaceChildren(root, status);
  let job: JobView;
  try {
    job = await webApi.getJob(id);
  } catch (error) {
    status.textContent =
      error instanceof WebApiError && error.status === 404
        ? 'There is no such video in your library.'
        : error instanceof Error
          ? error.message
          : 'Could not load the video.';
    return;
  }
  const title = jobTitle(job);
  if (heading) heading.textContent = title;
  document.title = `${title} · mediaferry`;
  if (job.children) {
    replaceChildren(root, ...playlistItems(job));
    return;
  }
  if (job.status !== 'Succeeded') {
    status.textContent = `This job is ${job.status.toLowerCase()}; it can be played once it has succeeded.`;
    return;
  }
  const thumbnail = job.outputs.find((output) => output.kind === 'thumbnail');
  const video = h('video', {
    controls: true,
    preload: 'metadata',
    // Text tracks from another origin need CORS; without them the media plays without asking for it.
    ...(job.outputs.some((output) => output.kind === 'subtitles') ? { crossorigin: 'anonymous' } : {}),
    playsinline: true,
    'aria-label': title,
    ...(thumbnail ? { poster: thumbnail.readUrl } : {}),
  });
  const media = job.media;
  if (media?.width && media.height) video.style.aspectRatio = `${media.width} / ${media.height}`;
  const subtitles = job.outputs.find((output) => output.kind === 'subtitles');
  // One track per language; the app redirects each to a fresh read link of its file.
  (subtitles?.languages ?? []).forEach((language, index) =>
    video.append(
      h('track', {
        kind: 'subtitles',
        src: `/api/web/jobs/${encodeURIComponent(job.id)}/subtitles/${encodeURIComponent(language)}`,
        srclang: language,
        label: languageName(language),
        default: index === 0,
      }),
    ),
  );
  const storyboard = job.outputs.find((output) => output.kind === 'storyboard');
  const facts = [
    media?.durationSeconds ? formatDuration(media.durationSeconds) : undefined,
    media?.width && media.height ? `${media.width}×${media.height}` : undefined,
    formatDate(job.createdAt),
  ].filter(Boolean);
  replaceChildren(
    root,
    h('section', { class: 'player', 'aria-label': 'Player' }, video),
    storyboard?.tile && media?.durationSeconds
      ? storyboardScrubber(video, storyboard, media.durationSeconds)
      : null,
    h('p', { class: 'facts' }, facts.join(' · ')),
    h('h2', {}, 'Downloads'),
    downloads(job),
    h(
      'p',
      { class: 'hint' },
      `Links work until ${formatDate(job.outputs[0]?.readUrlExpiresAt ?? job.updatedAt)}.`,
    ),
  );
  video.dataset['source'] = await attachSource(video, job);
}
