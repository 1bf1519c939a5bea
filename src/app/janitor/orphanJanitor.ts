import type { InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import type { AciActivityDependencies } from '../aci/aciActivityDependencies.js';
import { findOrphanJobContainers, type OrphanJobContainer } from './findOrphanJobContainers.js';
import { appAciDependencies } from '../aci/appAciDependencies.js';
import { getConfig } from '../config.js';
import { classifyAciError } from '../errors/classifyAciError.js';
import { FUNCTION_NAMES } from '../functionNames.js';

export interface JanitorRun {
  removed: OrphanJobContainer[];
  failed: { groupName: string; message: string }[];
  kept: number;
}

/**
 * One janitor pass: finds orphan job container groups and deletes them, logging each with its
 * reason. A delete that fails is logged and left for the next pass; it never fails the others.
 */
export async function removeOrphanJobContainers(
  deps: AciActivityDependencies & { durable: Pick<DurableClient, 'getStatus'> },
  options: { now: Date; jobDeadlineMinutes: number; quotaWaitMinutes: number },
  log: (line: string) => void,
): Promise<JanitorRun> {
  const search = await findOrphanJobContainers(deps, options);
  const run: JanitorRun = { removed: [], failed: [], kept: search.kept.length };
  for (const orphan of search.orphans) {
    try {
      // Start the delete and move on: ARM finishes it, and a group still deleting is gone for jobs.
      await deps.aci.containerGroups.beginDelete(deps.resourceGroup, orphan.groupName);
      run.removed.push(orphan);
      log(`Janitor removed container group ${orphan.groupName}: ${orphan.reason}: ${orphan.detail}.`);
    } catch (error) {
      const failure = classifyAciError(error);
      if (failure.kind === 'notFound') continue;
      run.failed.push({ groupName: orphan.groupName, message: failure.message });
      log(
        `Janitor could not remove container group ${orphan.groupName} (${failure.code}); next run retries.`,
      );
    }
  }
  log(
    `Janitor pass: ${run.removed.length} removed, ${run.failed.length} failed, ${run.kept} kept (jobs still running or too young).`,
  );
  return run;
}

df.app.client.timer(FUNCTION_NAMES.orphanJanitor, {
  schedule: '%JANITOR_SCHEDULE%',
  handler: async (_timer: Timer, client: DurableClient, context: InvocationContext) => {
    const config = getConfig();
    await removeOrphanJobContainers(
      { ...appAciDependencies(), durable: client },
      {
        now: new Date(),
        jobDeadlineMinutes: config.jobDeadlineMinutes,
        quotaWaitMinutes: config.quotaWaitMinutes,
      },
      (line) => context.log(line),
    );
  },
});
