/** What replaces a source URL's query string and fragment wherever the URL is kept or shown. */
export const REDACTED_MARKER = 'redacted';

/**
 * A source URL without its query string and fragment, where signed URLs carry their credentials
 * (`?sig=…`, `?X-Amz-Signature=…`): `https://host/path?redacted`. Only the worker's secure
 * environment ever holds the full URL. Text that does not parse as a URL loses everything from the
 * first `?` or `#`.
 */
export function redactSourceUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const cut = url.search(/[?#]/);
    return cut === -1 ? url : `${url.slice(0, cut)}?${REDACTED_MARKER}`;
  }
  if (parsed.search === '' && parsed.hash === '' && !/[?#]/.test(url)) return parsed.href;
  return `${parsed.origin}${parsed.pathname}?${REDACTED_MARKER}`;
}
