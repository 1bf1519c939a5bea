import { describe, expect, it } from 'vitest';
import { renderJobEmail } from '../../../src/app/notify/renderJobEmail.js';
import type { JobEvent } from '../../../src/shared/jobView.js';

const ID = '0123456789abcdef0123456789abcdef';

function event(overrides: Partial<JobEvent['data']>, type: JobEvent['type'] = 'job.failed'): JobEvent {
  return {
    type,
    timestamp: '2026-01-01T00:01:00.000Z',
    data: {
      id: ID,
      status: 'Failed',
      phase: 'Done',
      percent: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:01:00.000Z',
      request: {},
      source: { url: 'https://media.example.com/clip.mp4' },
      attempts: 1,
      outputs: [],
      media: null,
      error: null,
      notifications: [],
      statusQueryGetUri: `https://app.example.com/api/jobs/${ID}/status`,
      ...overrides,
    },
  };
}

describe('the mail of a final state', () => {
  it('says job, status and error in the subject, plain text and HTML', () => {
    const mail = renderJobEmail(
      event({ error: { code: 'NOT_FOUND', message: 'The source answered 404.', retryable: false } }),
    );
    expect(mail.subject).toBe(`mediaferry job ${ID} failed`);
    expect(mail.plainText).toContain('Status: Failed');
    expect(mail.plainText).toContain('Error: NOT_FOUND: The source answered 404.');
    expect(mail.html).toContain('<td>NOT_FOUND: The source answered 404.</td>');
  });

  it('escapes everything that comes from the job, so a title or message cannot inject HTML', () => {
    const mail = renderJobEmail(
      event(
        {
          status: 'Succeeded',
          source: { url: 'https://media.example.com/a', title: '<script>alert(1)</script>' },
          outputs: [
            {
              blobName: `${ID}/x".mp4`,
              url: 'https://acct.blob.core.windows.net/media/x.mp4',
              contentType: 'video/mp4',
              bytes: 1,
              sha256: 'a'.repeat(64),
              readUrl: 'https://acct.blob.core.windows.net/media/x.mp4?sv=1&sig=a"onmouseover="x',
              readUrlExpiresAt: '2026-01-01T01:00:00.000Z',
            },
          ],
        },
        'job.succeeded',
      ),
    );
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('"onmouseover');
    expect(mail.html).toContain(
      'href="https://acct.blob.core.windows.net/media/x.mp4?sv=1&amp;sig=a&quot;onmouseover=&quot;x"',
    );
    // The plain part keeps the link as it is, for copying.
    expect(mail.plainText).toContain('?sv=1&sig=a"onmouseover="x (valid until 2026-01-01T01:00:00.000Z)');
  });
});
