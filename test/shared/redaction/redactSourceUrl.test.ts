import { describe, expect, it } from 'vitest';
import { redactSourceUrl } from '../../../src/shared/redaction/redactSourceUrl.js';

describe('redactSourceUrl', () => {
  it.each([
    [
      'https://acct.blob.core.windows.net/v/a.mp4?sv=2024&sig=SECRET',
      'https://acct.blob.core.windows.net/v/a.mp4?redacted',
    ],
    ['https://cdn.example.com/a.m3u8?X-Amz-Signature=SECRET#t=1', 'https://cdn.example.com/a.m3u8?redacted'],
    ['https://example.com/a.mp4#SECRET', 'https://example.com/a.mp4?redacted'],
    ['https://example.com/a.mp4?', 'https://example.com/a.mp4?redacted'],
    ['not a url?sig=SECRET', 'not a url?redacted'],
  ])('replaces the query and fragment of %s', (url, redacted) => {
    expect(redactSourceUrl(url)).toBe(redacted);
  });

  it('leaves a URL without query or fragment as it is', () => {
    expect(redactSourceUrl('https://example.com/watch/abc')).toBe('https://example.com/watch/abc');
  });
});
