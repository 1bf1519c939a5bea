import { OUTPUT_PRESETS } from '../shared/outputPresets.js';
import { webApi, WebApiError } from './api.js';
import { contentRoot, h, replaceChildren } from './dom.js';
import { formatBytes, OUTPUT_LABELS } from './format.js';
import { uploadThroughLink } from './uploadFile.js';

/** A form field with its label and a place for its error, linked for screen readers. */
function field(id: string, label: string, control: HTMLInputElement | HTMLSelectElement, hint?: string) {
  const error = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const hintElement = hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null;
  control.id = id;
  control.setAttribute('aria-describedby', [hint ? `${id}-hint` : '', `${id}-error`].join(' ').trim());
  return {
    id,
    element: h('div', { class: 'field' }, h('label', { for: id }, label), hintElement, control, error),
    showError(message: string | undefined) {
      error.textContent = message ?? '';
      error.hidden = !message;
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

function presetSelect(): HTMLSelectElement {
  const describe = (name: string) =>
    OUTPUT_PRESETS[name as keyof typeof OUTPUT_PRESETS]
      .map((spec) => OUTPUT_LABELS[spec.kind] ?? spec.kind)
      .join(', ');
  return h(
    'select',
    { name: 'preset' },
    h('option', { value: '' }, 'MP4 (default)'),
    ...Object.keys(OUTPUT_PRESETS).map((name) => h('option', { value: name }, `${name}: ${describe(name)}`)),
  );
}

/** Shows an API error next to the field it names, else at the form's foot. */
function showApiError(
  error: unknown,
  fields: Record<string, { showError(message: string | undefined): void }>,
  formError: HTMLElement,
): void {
  const message = error instanceof Error ? error.message : 'Something went wrong; try again.';
  const name = error instanceof WebApiError && error.field ? error.field.split(/[.[]/)[0] : undefined;
  const target = name ? fields[name] : undefined;
  if (target) target.showError(message);
  else {
    formError.textContent = message;
    formError.hidden = false;
  }
}

/**
 * A job's form: its heading, the source field, the outputs preset, `extra`, a place for errors that
 * name no field, and its submit button. `clearErrors` hides every error before a new try.
 */
function jobForm(
  name: 'url' | 'upload',
  heading: string,
  source: ReturnType<typeof field>,
  buttonLabel: string,
  ...extra: HTMLElement[]
) {
  const preset = field(`${source.id}-preset`, 'Outputs', presetSelect());
  const formError = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'button' }, buttonLabel);
  const form = h(
    'form',
    { 'aria-labelledby': `${name}-heading`, novalidate: true },
    h('h2', { id: `${name}-heading` }, heading),
    source.element,
    preset.element,
    ...extra,
    formError,
    button,
  );
  const clearErrors = () => {
    source.showError(undefined);
    preset.showError(undefined);
    formError.hidden = true;
  };
  return { form, preset, formError, button, clearErrors };
}

function urlForm(): HTMLElement {
  const url = field(
    'url',
    'Video URL',
    h('input', { type: 'url', name: 'url', required: true, autocomplete: 'url', inputmode: 'url' }),
    'A page or a media file: http or https.',
  );
  const playlist = field(
    'playlist',
    'Playlist items',
    h('input', { type: 'number', name: 'playlist', min: 1, step: 1, inputmode: 'numeric' }),
    'For a playlist or channel: how many of its items to fetch, each as its own video. Leave empty for one video.',
  );
  const { form, preset, formError, button, clearErrors } = jobForm(
    'url',
    'From a URL',
    url,
    'Start job',
    playlist.element,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const request: Record<string, unknown> = { url: String(data.get('url') ?? '').trim() };
    if (data.get('preset')) request['preset'] = data.get('preset');
    const items = String(data.get('playlist') ?? '').trim();
    if (items) request['playlist'] = { maxItems: Number(items) };
    clearErrors();
    playlist.showError(undefined);
    button.disabled = true;
    webApi
      .submitJob(request)
      .then((job) => location.assign(`/jobs#job-${encodeURIComponent(job.id)}`))
      .catch((error: unknown) => {
        showApiError(error, { url, preset, playlist }, formError);
        (form.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
        button.disabled = false;
      });
  });
  return form;
}

function uploadForm(): HTMLElement {
  const file = field(
    'file',
    'Video or audio file',
    h('input', { type: 'file', name: 'file', required: true, accept: 'video/*,audio/*' }),
  );
  const progress = h('progress', { id: 'upload-progress', max: 100, value: 0 });
  const progressText = h('span', { class: 'progress-text', 'aria-live': 'polite' }, 'Not started');
  const progressBox = h(
    'div',
    { class: 'field upload-progress' },
    h('label', { for: 'upload-progress' }, 'Upload progress'),
    progress,
    progressText,
  );
  const { form, preset, formError, button, clearErrors } = jobForm(
    'upload',
    'From a file',
    file,
    'Upload and start job',
    progressBox,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    const presetName = String(new FormData(form).get('preset') ?? '');
    clearErrors();
    if (!chosen) {
      file.showError('Choose a file to upload.');
      return;
    }
    const contentType = chosen.type || 'application/octet-stream';
    const request: Record<string, unknown> = { filename: chosen.name, contentType, bytes: chosen.size };
    if (presetName) request['preset'] = presetName;
    button.disabled = true;
    const show = (sent: number) => {
      const percent = chosen.size > 0 ? Math.min(100, Math.floor((sent / chosen.size) * 100)) : 100;
      progress.value = percent;
      progressText.textContent = `${percent}% (${formatBytes(sent)} of ${formatBytes(chosen.size)})`;
    };
    webApi
      .createUpload(request)
      .then(async (answer) => {
        show(0);
        await uploadThroughLink(answer.uploadUrl, chosen, contentType, show);
        progressText.textContent = 'Uploaded; the job starts now.';
        location.assign(`/jobs#job-${encodeURIComponent(answer.jobId)}`);
      })
      .catch((error: unknown) => {
        showApiError(error, { filename: file, contentType: file, bytes: file, file, preset }, formError);
        button.disabled = false;
      });
  });
  return form;
}

export function submitPage(): void {
  replaceChildren(contentRoot(), h('div', { class: 'forms' }, urlForm(), uploadForm()));
}
