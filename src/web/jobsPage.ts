import type { JobStatus, JobView } from '../shared/jobView.js';
import { webApi, WebApiError } from './api.js';
import { contentRoot, h, replaceChildren } from './dom.js';
import { formatDate, jobTitle } from './format.js';

const POLL_MS = 2000;
/** src/shared/jobView.ts's FINAL_JOB_STATUSES; that module's runtime pulls in Node-only code. */
const FINAL_JOB_STATUSES: readonly JobStatus[] = ['Succeeded', 'Failed', 'Canceled'];
const LIST_SIZE = 50;

/** One job's row; its parts are updated in place, so polling never moves the page around. */
interface JobRow {
  element: HTMLElement;
  update(job: JobView): void;
}

function jobRow(job: JobView, onCancel: (id: string, button: HTMLButtonElement) => void): JobRow {
  const headingId = `job-${job.id}-title`;
  const title = h('h3', { id: headingId, class: 'job-title' });
  const state = h('p', { class: 'job-state' });
  const bar = h('progress', { max: 100, 'aria-labelledby': headingId });
  const percent = h('span', { class: 'percent' });
  const error = h('p', { class: 'job-error', hidden: true });
  const actions = h('div', { class: 'job-actions' });
  const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel');
  cancel.setAttribute('aria-describedby', headingId);
  cancel.addEventListener('click', () => onCancel(job.id, cancel));
  const watch = h(
    'a',
    { href: `/watch/${encodeURIComponent(job.id)}`, 'aria-describedby': headingId },
    'Watch',
  );
  const element = h(
    'li',
    { id: `job-${job.id}`, class: 'job' },
    title,
    state,
    h('div', { class: 'progress-line' }, bar, percent),
    error,
    actions,
  );
  return {
    element,
    update(next) {
      title.textContent = jobTitle(next);
      const running = !FINAL_JOB_STATUSES.includes(next.status);
      state.textContent = running
        ? `${next.status} · ${next.phase} · started ${formatDate(next.createdAt)}`
        : `${next.status} · ${formatDate(next.updatedAt)}`;
      element.dataset['status'] = next.status;
      if (next.percent === null && running) bar.removeAttribute('value');
      else bar.value = next.percent ?? (next.status === 'Succeeded' ? 100 : 0);
      percent.textContent = next.percent === null ? '' : `${Math.floor(next.percent)}%`;
      error.textContent = next.error ? `${next.error.message} (${next.error.code})` : '';
      error.hidden = !next.error || next.status === 'Canceled';
      const wanted = running ? cancel : next.status === 'Succeeded' ? watch : null;
      if (actions.firstChild !== wanted) {
        const hadFocus = actions.contains(document.activeElement);
        replaceChildren(actions, wanted);
        if (hadFocus) {
          title.setAttribute('tabindex', '-1');
          title.focus();
        }
      }
    },
  };
}

export async function jobsPage(): Promise<void> {
  const root = contentRoot();
  const running = h('ul', { class: 'jobs', 'aria-labelledby': 'running-heading' });
  const finished = h('ul', { class: 'jobs', 'aria-labelledby': 'finished-heading' });
  const runningEmpty = h('p', { class: 'empty' }, 'Nothing running.');
  const status = h('p', { class: 'status', role: 'status' });
  replaceChildren(
    root,
    status,
    h('section', {}, h('h2', { id: 'running-heading' }, 'Running'), runningEmpty, running),
    h('section', {}, h('h2', { id: 'finished-heading' }, 'Finished'), finished),
  );
  const rows = new Map<string, JobRow>();

  async function cancelJob(id: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      await webApi.cancelJob(id);
      status.textContent = 'Cancel requested; the job stops in a moment.';
      await refresh();
    } catch (error) {
      status.textContent = error instanceof WebApiError ? error.message : 'Could not cancel the job.';
      button.disabled = false;
    }
  }

  let anyRunning = false;
  async function refresh(): Promise<void> {
    const page = await webApi.listJobs({ top: LIST_SIZE });
    anyRunning = false;
    for (const job of page.jobs) {
      let row = rows.get(job.id);
      if (!row) {
        row = jobRow(job, (id, button) => void cancelJob(id, button));
        rows.set(job.id, row);
      }
      row.update(job);
      const isRunning = !FINAL_JOB_STATUSES.includes(job.status);
      anyRunning ||= isRunning;
      const list = isRunning ? running : finished;
      // Newest first in each list; a job moves to Finished once, when it ends.
      if (row.element.parentElement !== list) list.append(row.element);
    }
    for (const list of [running, finished]) {
      const ordered = page.jobs
        .map((job) => rows.get(job.id)?.element)
        .filter((e) => e?.parentElement === list);
      ordered.forEach((element, index) => {
        if (element && list.children[index] !== element)
          list.insertBefore(element, list.children[index] ?? null);
      });
    }
    runningEmpty.hidden = running.children.length > 0;
    if (page.jobs.length === 0) status.textContent = 'No jobs yet.';
  }

  const poll = async () => {
    try {
      await refresh();
      if (status.textContent === 'The job list could not be refreshed; retrying…') status.textContent = '';
    } catch (error) {
      if (error instanceof WebApiError && error.status === 401) return;
      status.textContent = 'The job list could not be refreshed; retrying…';
    }
    // Poll fast while something runs, slowly otherwise (a job submitted elsewhere still shows up).
    setTimeout(() => void poll(), anyRunning ? POLL_MS : POLL_MS * 5);
  };
  await poll();
  const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  target?.scrollIntoView({ block: 'nearest' });
}
