import {
  buildContainerGroupSpec,
  type AciPriority,
  type ContainerGroupSettings,
} from '../aci/buildContainerGroupSpec.js';
import { classifyAciError } from '../errors/classifyAciError.js';
import type { JobSpec } from '../../shared/blobSource.js';
import { containerGroupName } from '../../shared/naming.js';
import { redactSourceUrl } from '../../shared/redaction/redactSourceUrl.js';
import { activityFailure, type ActivityFailure } from './activityOutcome.js';
import type { AciActivityDependencies } from '../aci/aciActivityDependencies.js';

export interface CreateJobContainerInput {
  instanceId: string;
  request: JobSpec;
  outputBlobName: string;
  priority: AciPriority;
  createdAt: string;
  /** Which attempt of the job this group runs (1 when absent); each attempt has its own group. */
  attempt?: number;
  /** The request's URL is redacted; the full one is read from the signed source store. */
  signedSource?: boolean;
  /**
   * When the job's run was created, once the orchestrator knows it (after its first create): the
   * callback token is bound to it, whatever the backend reports after a continue-as-new.
   */
  runCreatedAt?: string;
}

export type CreateJobContainerOutcome =
  | {
      ok: true;
      groupName: string;
      priority: AciPriority;
      /** The run creation time the group's callback token is bound to (set by the app's activity). */
      runCreatedAt?: string;
    }
  | ActivityFailure;

export interface CreateJobContainerDependencies extends AciActivityDependencies {
  settings: ContainerGroupSettings;
  callbackTokenFor: (instanceId: string, attempt: number) => Promise<string>;
  /** The full URL the starter kept for a job with a signed source. */
  signedSourceUrl?: (instanceId: string) => Promise<string | undefined>;
}

/**
 * Sends the group's PUT and returns once ARM has accepted it; provisioning (image pull, start) is
 * followed by the orchestrator's liveness poll rather than by holding this activity open.
 * Throws only retryable failures (the orchestrator retries those); returns the others classified.
 */
export async function createJobContainer(
  input: CreateJobContainerInput,
  deps: CreateJobContainerDependencies,
): Promise<CreateJobContainerOutcome> {
  const groupName = containerGroupName(input.instanceId, input.attempt);
  const callbackToken = await deps.callbackTokenFor(input.instanceId, input.attempt ?? 1);
  const request = await withSignedSource(input, deps);
  if (!request)
    return {
      ok: false,
      kind: 'terminal',
      code: 'INVALID_INPUT',
      message: 'The signed source URL kept for this job is missing or does not match its request.',
    };
  const spec = buildContainerGroupSpec({ ...input, request, callbackToken, settings: deps.settings });
  try {
    // Awaiting begin… sends the PUT (ARM errors surface here) without waiting for provisioning.
    await deps.aci.containerGroups.beginCreateOrUpdate(deps.resourceGroup, groupName, spec);
    return { ok: true, groupName, priority: input.priority };
  } catch (error) {
    const failure = classifyAciError(error, { priority: input.priority });
    if (failure.kind === 'retryable') throw failure;
    return activityFailure(failure);
  }
}

/** The request with its full source URL: as given, or read back for a signed source (undefined when that fails). */
async function withSignedSource(
  input: CreateJobContainerInput,
  deps: CreateJobContainerDependencies,
): Promise<JobSpec | undefined> {
  if (!input.signedSource) return input.request;
  if (!('url' in input.request) || !deps.signedSourceUrl) return undefined;
  const full = await deps.signedSourceUrl(input.instanceId);
  // The kept URL must be the one this job's request names, whoever wrote the blob.
  if (full === undefined || redactSourceUrl(full) !== input.request.url) return undefined;
  return { ...input.request, url: full };
}
