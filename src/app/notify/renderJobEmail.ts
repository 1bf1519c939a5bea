import type { JobEvent } from '../../shared/jobView.js';

export interface JobEmail {
  subject: string;
  plainText: string;
  html: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML element content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

const VERB: Record<JobEvent['type'], string> = {
  'job.succeeded': 'succeeded',
  'job.failed': 'failed',
  'job.canceled': 'was canceled',
};

/**
 * The short mail of a final-state event: job, status, each output's read link, the error. Every value
 * from the job (title, error message, links) is escaped in the HTML part; nothing is inlined unescaped.
 */
export function renderJobEmail(event: JobEvent): JobEmail {
  const view = event.data;
  const subject = `mediaferry job ${view.id} ${VERB[event.type]}`;
  const facts: [string, string][] = [
    ['Job', view.id],
    ['Status', view.status],
    ['Finished', event.timestamp],
  ];
  if (view.source.url) facts.push(['Source', view.source.url]);
  if (view.source.title) facts.push(['Title', view.source.title]);
  if (view.error) facts.push(['Error', `${view.error.code}: ${view.error.message}`]);

  const links = view.outputs.map((output) => ({
    name: output.blobName,
    url: output.readUrl,
    until: output.readUrlExpiresAt,
  }));
  const plainText = [
    subject,
    '',
    ...facts.map(([name, value]) => `${name}: ${value}`),
    ...(links.length > 0
      ? ['', 'Outputs (read links):', ...links.map((l) => `- ${l.name}: ${l.url} (valid until ${l.until})`)]
      : []),
    '',
    `Status: ${view.statusQueryGetUri}`,
    '',
  ].join('\n');

  const html = [
    '<!doctype html><html><body>',
    `<p>${escapeHtml(subject)}</p>`,
    '<table>',
    ...facts.map(
      ([name, value]) => `<tr><th align="left">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`,
    ),
    '</table>',
    ...(links.length > 0
      ? [
          '<p>Outputs (read links):</p><ul>',
          ...links.map(
            (l) =>
              `<li><a href="${escapeHtml(l.url)}">${escapeHtml(l.name)}</a> (valid until ${escapeHtml(l.until)})</li>`,
          ),
          '</ul>',
        ]
      : []),
    '</body></html>',
  ].join('\n');
  return { subject, plainText, html };
}
