/** Stands in for a query string or fragment that may carry credentials (signed URLs). */
export const REDACTED = 'REDACTED';

/** A URL with its query string and fragment replaced by a marker; non-URLs are returned as they are. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (url.search) url.search = `?${REDACTED}`;
  if (url.hash) url.hash = `#${REDACTED}`;
  return url.toString();
}
