import { createHash } from 'node:crypto';
import { OUTPUT_NAME } from './contracts.js';

/** Tag put on every container group this app creates; the janitor only touches groups carrying it. */
export const MANAGED_BY_TAG = { name: 'managed-by', value: 'mediaferry' } as const;
export const INSTANCE_TAG = 'mediaferry-instance';
export const CREATED_TAG = 'mediaferry-created';

/**
 * Container group name for one attempt of an orchestration instance. Derived, not random, so a
 * replayed or retried create targets the same group; each later attempt of a job gets its own group
 * (`-a2`, `-a3`, …), so a retry never reuses the group of the attempt that failed (ACI names:
 * lowercase letters, digits, single hyphens, at most 63).
 */
export function containerGroupName(instanceId: string, attempt = 1): string {
  const suffix = attempt > 1 ? `-a${attempt}` : '';
  const safe = instanceId
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const name = `mf-${safe}${suffix}`;
  // An id ending in "-a<n>" could otherwise name another job's later attempt.
  const ambiguous = /-a\d+$/.test(safe);
  if (name.length <= 63 && safe.length > 0 && safe === instanceId.toLowerCase() && !ambiguous) return name;
  // Ids that needed rewriting or are too long get a hash suffix so two ids never share a group.
  const hash = createHash('sha256').update(instanceId).digest('hex').slice(0, 12);
  return `mf-${safe.slice(0, 46 - suffix.length).replace(/-$/, '')}-${hash}${suffix}`;
}

/** A playlist item's job id: the playlist job's id, `-p` and the item's number (1-based, three digits). */
export function playlistChildId(parentId: string, index: number): string {
  return `${parentId}-p${String(index + 1).padStart(3, '0')}`;
}

/** Instance id for an idempotency key: the same key always names the same job. */
export function instanceIdForIdempotencyKey(key: string): string {
  return `idem-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** Instance ids that can name a blob prefix: the starter's ids (hex, `idem-<hex>`) and other plain ids. */
const BLOB_SAFE_INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/**
 * Every blob a job writes lives under `<instanceId>/`, so no job can name another job's blob: the
 * client's outputName is a path inside its own job's folder.
 */
export function jobBlobPrefix(instanceId: string): string {
  return `${instanceId}/`;
}

/** Default blob name of a job's MP4. */
export function defaultOutputName(instanceId: string): string {
  return `${jobBlobPrefix(instanceId)}${instanceId}.mp4`;
}

/** The output name a client asked for, with .mp4 appended when missing, under the job's prefix. */
export function outputBlobName(instanceId: string, requested: string | undefined): string {
  if (!requested) return defaultOutputName(instanceId);
  return `${jobBlobPrefix(instanceId)}${/\.mp4$/i.test(requested) ? requested : `${requested}.mp4`}`;
}

/**
 * Why `blobName` is not a name this job may write, or undefined when it is: it must sit under the
 * job's own prefix and be a plain relative path (the storage SDK would resolve `..` segments).
 */
export function jobBlobNameProblem(instanceId: string, blobName: string): string | undefined {
  if (!BLOB_SAFE_INSTANCE_ID.test(instanceId))
    return 'the instance id cannot name a blob prefix (letters, digits, "_" and "-" only, at most 100)';
  const prefix = jobBlobPrefix(instanceId);
  if (!blobName.startsWith(prefix)) return `the blob name is not under the job's prefix ${prefix}`;
  if (!OUTPUT_NAME.test(blobName.slice(prefix.length)))
    return 'the blob name is not a plain relative path (letters, digits, ".", "_", "-", "/"; no "." or ".." segments)';
  return undefined;
}
