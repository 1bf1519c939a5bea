import type { JobView } from '../shared/jobView.js';
import { webApi, WebApiError } from './api.js';
import { contentRoot, h, replaceChildren } from './dom.js';
import { formatDate, formatDuration, jobTitle, OUTPUT_LABELS } from './format.js';

const PAGE_SIZE = 24;

/** A finished video's card: thumbnail (or a placeholder of the same size), title, facts, outputs. */
function videoCard(job: JobView): HTMLElement {
  const title = jobTitle(job);
  const thumbnail = job.outputs.find((output) => output.kind === 'thumbnail');
  const kinds = [...new Set(job.outputs.map((output) => output.kind ?? 'mp4'))].filter(
    (kind) => kind !== 'thumbnail',
  );
  const facts = [
    job.media?.durationSeconds ? formatDuration(job.media.durationSeconds) : undefined,
    formatDate(job.createdAt),
  ].filter((fact): fact is string => fact !== undefined);
  return h(
    'li',
    { class: 'card' },
    h(
      'a',
      { href: `/watch/${encodeURIComponent(job.id)}`, class: 'card-link' },
      thumbnail
        ? h('img', { src: thumbnail.readUrl, alt: '', class: 'thumb', loading: 'lazy', decoding: 'async' })
        : h('span', { class: 'thumb placeholder', 'aria-hidden': 'true' }, '▶'),
      h('span', { class: 'card-title' }, title),
    ),
    h('p', { class: 'card-facts' }, facts.join(' · ')),
    h(
      'ul',
      { class: 'tags', 'aria-label': 'Outputs' },
      ...kinds.map((kind) => h('li', {}, OUTPUT_LABELS[kind] ?? kind)),
    ),
  );
}

/** A playlist's card: its title and how many of its items play, linking to the list of them. */
function playlistCard(job: JobView): HTMLElement {
  const playable = (job.children ?? []).filter((child) => child.status === 'Succeeded').length;
  return h(
    'li',
    { class: 'card' },
    h(
      'a',
      { href: `/watch/${encodeURIComponent(job.id)}`, class: 'card-link' },
      h('span', { class: 'thumb placeholder', 'aria-hidden': 'true' }, '☰'),
      h('span', { class: 'card-title' }, jobTitle(job)),
    ),
    h(
      'p',
      { class: 'card-facts' },
      [`Playlist of ${playable} ${playable === 1 ? 'video' : 'videos'}`, formatDate(job.createdAt)].join(
        ' · ',
      ),
    ),
  );
}

export async function libraryPage(): Promise<void> {
  const root = contentRoot();
  const grid = h('ul', { class: 'grid', 'aria-label': 'Videos' });
  const status = h('p', { class: 'status', role: 'status' });
  const more = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'Show more videos');
  replaceChildren(root, status, grid, more);
  let token: string | null = null;
  let shown = 0;

  async function loadPage(): Promise<void> {
    more.disabled = true;
    status.textContent = 'Loading your videos…';
    try {
      const page = await webApi.listJobs({ status: 'Succeeded', top: PAGE_SIZE, continuationToken: token });
      for (const job of page.jobs) grid.append(job.children ? playlistCard(job) : videoCard(job));
      shown += page.jobs.length;
      token = page.continuationToken;
      more.hidden = token === null;
      status.textContent = '';
      if (shown === 0) {
        replaceChildren(
          status,
          'No videos yet. ',
          h('a', { href: '/submit' }, 'Submit a URL or upload a file'),
          ' to make your first one.',
        );
      }
    } catch (error) {
      status.textContent = error instanceof WebApiError ? error.message : 'Could not load your videos.';
    } finally {
      more.disabled = false;
    }
  }

  more.addEventListener('click', () => void loadPage());
  await loadPage();
}
