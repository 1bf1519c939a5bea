import type { DurableClient } from 'durable-functions';
import { EXIT_REPORT_GRACE_SECONDS } from '../orchestrations/jobAttempt.js';
import { FINISHED_STATES, findInstanceStatus } from '../durable/findInstanceStatus.js';
import { CREATED_TAG, INSTANCE_TAG, MANAGED_BY_TAG } from '../../shared/naming.js';
import type { AciActivityDependencies } from '../aci/aciActivityDependencies.js';

/**
 * A group younger than this is never removed unless its own orchestration has finished: it may
 * belong to a job whose instance this app cannot see yet (or another deployment sharing the group).
 */
export const ORPHAN_GRACE_MINUTES = 10;
/** Beyond the job's own limits: exit-report grace, cleanup retries (about 5 minutes) and slack. */
export const LIFETIME_MARGIN_MINUTES = 15;

export type OrphanReason = 'orchestration-finished' | 'unknown-instance' | 'no-instance-tag' | 'outlived';

export interface OrphanJobContainer {
  groupName: string;
  instanceId: string | undefined;
  reason: OrphanReason;
  /** One line for the log: why this group is being removed. */
  detail: string;
}

export interface KeptJobContainer {
  groupName: string;
  instanceId: string | undefined;
  why: string;
}

export interface OrphanSearch {
  orphans: OrphanJobContainer[];
  kept: KeptJobContainer[];
}

export interface OrphanSearchOptions {
  now: Date;
  jobDeadlineMinutes: number;
  quotaWaitMinutes: number;
}

/** The longest a job's container group can legitimately live, counted from its `mediaferry-created` tag. */
export function maximumJobLifetimeMs(
  options: Pick<OrphanSearchOptions, 'jobDeadlineMinutes' | 'quotaWaitMinutes'>,
) {
  return (
    (options.jobDeadlineMinutes + options.quotaWaitMinutes + LIFETIME_MARGIN_MINUTES) * 60_000 +
    EXIT_REPORT_GRACE_SECONDS * 1000
  );
}

/**
 * Lists the groups this app created in the jobs resource group and decides which are orphans: the
 * group of a finished orchestration, of an instance the durable client does not know (after the
 * grace period), or one older than any job can run. A group of a running job is kept; when its
 * status cannot be read, it is kept too (the next run looks again).
 */
export async function findOrphanJobContainers(
  deps: AciActivityDependencies & { durable: Pick<DurableClient, 'getStatus'> },
  options: OrphanSearchOptions,
): Promise<OrphanSearch> {
  const result: OrphanSearch = { orphans: [], kept: [] };
  const maxLifetimeMs = maximumJobLifetimeMs(options);
  for await (const group of deps.aci.containerGroups.listByResourceGroup(deps.resourceGroup)) {
    const tags = group.tags ?? {};
    if (!group.name || tags[MANAGED_BY_TAG.name] !== MANAGED_BY_TAG.value) continue;
    const groupName = group.name;
    const instanceId = tags[INSTANCE_TAG] || undefined;
    const createdMs = Date.parse(tags[CREATED_TAG] ?? '');
    const ageMs = Number.isFinite(createdMs) ? options.now.getTime() - createdMs : undefined;
    // Every group this app creates carries its creation time; one without it is not a job in flight.
    const young = ageMs !== undefined && ageMs < ORPHAN_GRACE_MINUTES * 60_000;
    const age = ageMs === undefined ? 'unknown age' : `${Math.round(ageMs / 1000)} s old`;
    const orphan = (reason: OrphanReason, detail: string) =>
      result.orphans.push({ groupName, instanceId, reason, detail: `${detail} (${age})` });
    const keep = (why: string) => result.kept.push({ groupName, instanceId, why: `${why} (${age})` });

    if (ageMs !== undefined && ageMs > maxLifetimeMs) {
      orphan('outlived', `older than the longest a job can run (${Math.round(maxLifetimeMs / 60_000)} min)`);
      continue;
    }
    if (!instanceId) {
      if (young) keep('no instance tag, within the grace period');
      else orphan('no-instance-tag', 'carries no instance tag');
      continue;
    }
    let status;
    try {
      status = await findInstanceStatus(deps.durable, instanceId);
    } catch (error) {
      keep(`status of ${instanceId} unavailable: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (!status) {
      if (young) keep(`instance ${instanceId} not known yet, within the grace period`);
      else orphan('unknown-instance', `instance ${instanceId} is unknown to the durable client`);
      continue;
    }
    const finished = FINISHED_STATES.includes(status.runtimeStatus);
    // A job restarted under the same id (idempotency key) owns a group created after its old run ended.
    const fromFinishedRun =
      finished &&
      (Number.isFinite(createdMs) ? createdMs <= new Date(status.lastUpdatedTime).getTime() : true);
    if (fromFinishedRun)
      orphan('orchestration-finished', `orchestration ${instanceId} is ${status.runtimeStatus}`);
    else keep(`orchestration ${instanceId} is ${status.runtimeStatus}`);
  }
  return result;
}
