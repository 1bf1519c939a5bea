import { createHash } from 'node:crypto';

/** Tag put on every container group this app creates; the janitor only touches groups carrying it. */
export const MANAGED_BY_TAG = { name: 'managed-by', value: 'mediaferry' } as const;
export const INSTANCE_TAG = 'mediaferry-instance';
export const CREATED_TAG = 'mediaferry-created';

/**
 * Container group name for an orchestration instance. Derived, not random, so a replayed or retried
 * create targets the same group (ACI names: lowercase letters, digits, single hyphens, at most 63).
 */
export function containerGroupName(instanceId: string): string {
  const safe = instanceId
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const name = `mf-${safe}`;
  if (name.length <= 63 && safe.length > 0 && safe === instanceId.toLowerCase()) return name;
  // Ids that needed rewriting or are too long get a hash suffix so two ids never share a group.
  const hash = createHash('sha256').update(instanceId).digest('hex').slice(0, 12);
  return `mf-${safe.slice(0, 46).replace(/-$/, '')}-${hash}`;
}

/** Instance id for an idempotency key: the same key always names the same job. */
export function instanceIdForIdempotencyKey(key: string): string {
  return `idem-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** Default blob name of a job's MP4. */
export function defaultOutputName(instanceId: string): string {
  return `${instanceId}.mp4`;
}

/** The output name a client asked for, with .mp4 appended when missing. */
export function outputBlobName(instanceId: string, requested: string | undefined): string {
  if (!requested) return defaultOutputName(instanceId);
  return /\.mp4$/i.test(requested) ? requested : `${requested}.mp4`;
}
