import { describe, expect, it } from 'vitest';
import { parseJobRequest } from '../../src/shared/contracts.js';

const url = 'https://example.com/video';

describe('notifyUrl goes through the source address policy', () => {
  it.each([
    ['http://example.com/hook', 'INVALID_FIELD'],
    ['https://127.0.0.1/hook', 'PRIVATE_ADDRESS'],
    ['https://169.254.169.254/latest', 'SOURCE_ADDRESS_BLOCKED'],
    ['https://metadata.google.internal/hook', 'SOURCE_ADDRESS_BLOCKED'],
    ['https://user:pw@example.com/hook', 'URL_HAS_CREDENTIALS'],
    ['ftp://example.com/hook', 'UNSUPPORTED_SCHEME'],
  ])('refuses %s in Azure with %s', (notifyUrl, code) => {
    const parsed = parseJobRequest({ url, notifyUrl }, { allowPrivateSources: false });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatchObject({ code, field: 'notifyUrl' });
  });

  it('accepts a public https receiver', () => {
    expect(
      parseJobRequest({ url, notifyUrl: 'https://hooks.example.com/in' }, { allowPrivateSources: false }).ok,
    ).toBe(true);
  });

  it('accepts an http loopback receiver only when private sources are allowed (local stack)', () => {
    const notifyUrl = 'http://127.0.0.1:9999/hook';
    expect(parseJobRequest({ url, notifyUrl }, { allowPrivateSources: true }).ok).toBe(true);
    expect(parseJobRequest({ url, notifyUrl }, { allowPrivateSources: false }).ok).toBe(false);
  });
});
