// Over 400 lines as one class: every rule reads and changes the same groups; model, quota and operations are apart.
import type { LocalIdentity } from '../identity/localTokenIssuer.js';
import type { Clock } from '../shared/clock.js';
import type { AciOperation, FaultPlan } from './aciFaults.js';
import {
  GROUP_TYPE,
  type AsyncOperation,
  type ContainerEvent,
  type ContainerProcess,
  type ContainerRecord,
  type ContainerRuntime,
  type GroupRecord,
} from './aciModel.js';
import { checkQuota, type AciQuota } from './aciQuota.js';
import { AsyncOperations } from './asyncOperations.js';
import { ArmError, invalidRequestContent, resourceNotFound } from './armError.js';
import {
  validateContainerGroup,
  validateGroupName,
  type ContainerGroupSpec,
} from './validateContainerGroup.js';

// Output kept per container across restarts, so a crash loop cannot grow the emulator without limit.
const MAX_LOG_CHARS = 1024 * 1024;
// How often a repeated create checks whether the group it repeats has settled.
const SETTLE_POLL_MS = 50;

export interface AciGatewayOptions {
  clock: Clock;
  faults: FaultPlan;
  runtime: ContainerRuntime;
  /** Known identities; when set, a group attaching any other identity is refused. */
  identities?: LocalIdentity[];
  /** Resource groups that exist; omitted means every name exists. */
  resourceGroups?: string[];
  quota?: AciQuota;
  /** Gives each group an IMDS host serving only the identities attached to it. */
  identityEndpoint?: {
    attachIdentities(scopeId: string, identityResourceIds: string[]): string;
    detachIdentities(scopeId: string): void;
  };
  /** AZURE_POD_IDENTITY_AUTHORITY_HOST of groups when there is no identity endpoint to scope it. */
  podIdentityAuthorityHost?: string;
  restartBackoffMs: number;
  provisioningDelayMs: number;
  stopGraceMs: number;
}

/**
 * The rules of Azure Container Instances over an in-memory model: validation, quota, provisioning
 * states, restart policies, async operations and injected faults. It knows nothing of HTTP; time
 * comes from the injected clock and containers from the injected runtime.
 */
export class AciGateway {
  readonly groups = new Map<string, GroupRecord>();
  readonly #operations: AsyncOperations;
  readonly #options: AciGatewayOptions;
  #stopping = false;

  constructor(options: AciGatewayOptions) {
    this.#options = options;
    this.#operations = new AsyncOperations(options.clock);
  }

  /** 429 when a throttle fault targets this operation. */
  checkThrottle(operation: AciOperation): void {
    const throttle = this.#options.faults.take('throttle', (f) => f.operations.includes(operation));
    if (throttle)
      throw new ArmError(
        429,
        'TooManyRequests',
        `The request is being throttled as the limit has been reached for operation type - ${operation}. Please retry after ${throttle.retryAfterSeconds} seconds.`,
        { retryAfterSeconds: throttle.retryAfterSeconds },
      );
  }

  checkResourceGroup(resourceGroup: string): void {
    const known = this.#options.resourceGroups;
    if (known && !known.some((rg) => rg.toLowerCase() === resourceGroup.toLowerCase()))
      throw new ArmError(
        404,
        'ResourceGroupNotFound',
        `Resource group '${resourceGroup}' could not be found.`,
      );
  }

  operation(id: string): AsyncOperation {
    return this.#operations.get(id);
  }

  /** Groups of a subscription (and resource group, when given), by name. */
  list(subscriptionId: string, resourceGroup: string | undefined): GroupRecord[] {
    return [...this.groups.values()]
      .filter(
        (g) =>
          g.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() &&
          (resourceGroup === undefined || g.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  find(subscriptionId: string, resourceGroup: string, name: string): GroupRecord | undefined {
    return this.groups.get(groupKey(subscriptionId, resourceGroup, name));
  }

  get(subscriptionId: string, resourceGroup: string, name: string): GroupRecord {
    const found = this.find(subscriptionId, resourceGroup, name);
    if (!found) throw resourceNotFound(GROUP_TYPE, name, resourceGroup);
    return found;
  }

  /**
   * Creates a group from the request content and starts provisioning it. A repeated create (a
   * retried or replayed activity) changes nothing and reports the group as it is.
   */
  createOrUpdate(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    content: string,
  ): { group: GroupRecord; operationId: string; created: boolean } {
    validateGroupName(name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(content || 'null');
    } catch (error) {
      throw invalidRequestContent((error as Error).message);
    }
    const spec = validateContainerGroup(parsed);
    const existing = this.find(subscriptionId, resourceGroup, name);
    if (existing) return { group: existing, operationId: this.#repeatCreate(existing, spec), created: false };

    const { faults, identities, identityEndpoint, runtime } = this.#options;
    if (identities) {
      for (const id of Object.keys(spec.identity?.userAssignedIdentities ?? {}))
        if (!identities.some((i) => i.resourceId?.toLowerCase() === id.toLowerCase()))
          throw new ArmError(
            400,
            'FailedIdentityOperation',
            `Identity operation for resource '${GROUP_TYPE}/${name}' failed with error 'Failed to perform resource identity operation. Status: 'NotFound'. Response: 'The user-assigned identity '${id}' does not exist.''.`,
          );
    }
    checkQuota(
      [...this.groups.values()].filter(
        (g) => g.subscriptionId.toLowerCase() === subscriptionId.toLowerCase(),
      ),
      spec,
      this.#options.quota,
    );
    const cores = spec.containers.reduce((sum, c) => sum + c.cpu, 0);
    const memory = spec.containers.reduce((sum, c) => sum + c.memoryInGB, 0);
    const capacity = faults.take(
      'capacity',
      (f) => !f.priority || f.priority === (spec.priority ?? 'Regular'),
    );
    if (capacity)
      throw new ArmError(
        409,
        capacity.code,
        `The requested resource is not available in the location '${spec.location}' at this moment. Please retry with a different resource request or in another location. Resource requested: '${cores}' CPU '${memory}' GB memory '${spec.osType}' OS${spec.priority === 'Spot' ? ' with Spot priority' : ''}.`,
        { retryable: true },
      );

    const key = groupKey(subscriptionId, resourceGroup, name);
    const group: GroupRecord = {
      subscriptionId,
      resourceGroup,
      name,
      spec,
      provisioningState: 'Pending',
      state: 'Pending',
      containers: spec.containers.map((c) => ({ spec: c, earlierLogs: '', restartCount: 0, events: [] })),
      workDir: runtime.createWorkDir(name),
      groupEvents: [],
      podIdentityAuthorityHost: this.#options.podIdentityAuthorityHost,
      timers: new Set(),
    };
    if (identityEndpoint)
      group.podIdentityAuthorityHost = identityEndpoint.attachIdentities(
        key,
        Object.keys(spec.identity?.userAssignedIdentities ?? {}),
      );
    this.groups.set(key, group);
    const operationId = this.#operations.begin();

    const slowStart = faults.take('slowStart');
    const pullFault = faults.take('imagePullFailure');
    const provisioningFault = faults.take('provisioningFailure');
    const crashFault = faults.take('containerCrash');
    this.#schedule(group, this.#options.provisioningDelayMs + (slowStart?.delayMs ?? 0), () => {
      const unpullable = group.containers.find((c) => pullFault || !runtime.canPull(c.spec.image));
      if (unpullable) {
        const message = `The image '${unpullable.spec.image}' in container group '${name}' is not accessible. Please check the image and registry credential.`;
        group.provisioningState = 'Failed';
        group.state = 'Failed';
        for (const c of group.containers) {
          c.currentState = { state: 'Waiting', detailStatus: 'ErrImagePull' };
          this.#addEvent(c.events, 'Pulling', `pulling image "${c.spec.image}"`, 'Normal');
          if (c === unpullable || pullFault)
            this.#addEvent(
              c.events,
              'Failed',
              `Failed to pull image "${c.spec.image}": image not found or access denied`,
              'Warning',
            );
        }
        return this.#operations.finish(operationId, { code: 'InaccessibleImage', message });
      }
      if (provisioningFault) {
        group.provisioningState = 'Failed';
        group.state = 'Failed';
        this.#addEvent(group.groupEvents, 'Failed', provisioningFault.message, 'Warning');
        return this.#operations.finish(operationId, {
          code: provisioningFault.code,
          message: provisioningFault.message,
        });
      }
      group.provisioningState = 'Creating';
      for (const c of group.containers) {
        this.#addEvent(c.events, 'Pulling', `pulling image "${c.spec.image}"`, 'Normal');
        this.#addEvent(c.events, 'Pulled', `Successfully pulled image "${c.spec.image}"`, 'Normal');
      }
      this.#runContainers(group);
      if (crashFault)
        this.#schedule(group, crashFault.afterMs, () => {
          for (const c of group.containers) c.process?.crash();
        });
      group.provisioningState = 'Succeeded';
      this.#operations.finish(operationId, undefined);
    });
    return { group, operationId, created: true };
  }

  /** Removes the group and stops its containers; undefined when there was none. */
  async delete(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
  ): Promise<GroupRecord | undefined> {
    const existing = this.find(subscriptionId, resourceGroup, name);
    if (!existing) return undefined;
    const failure = this.#options.faults.take('deleteFailure');
    if (failure)
      throw new ArmError(
        failure.status,
        failure.code,
        `The container group '${name}' is still transitioning, please retry later.`,
        { retryable: true },
      );
    const key = groupKey(subscriptionId, resourceGroup, name);
    this.groups.delete(key);
    this.#options.identityEndpoint?.detachIdentities(key);
    existing.provisioningState = 'Deleting';
    await this.#terminateGroup(existing);
    this.#options.runtime.removeWorkDir(existing.workDir);
    return existing;
  }

  async stop(subscriptionId: string, resourceGroup: string, name: string): Promise<void> {
    const existing = this.get(subscriptionId, resourceGroup, name);
    await this.#terminateGroup(existing);
    existing.state = 'Stopped';
  }

  /** Starts (or, for restart, stops then starts) the group's containers; returns the operation id. */
  async start(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    restart: boolean,
  ): Promise<{ group: GroupRecord; operationId: string | undefined }> {
    const existing = this.get(subscriptionId, resourceGroup, name);
    if (restart) await this.#terminateGroup(existing);
    // ARM answers 204 "already running or starting" (ContainerGroups_Start), with no operation.
    else if (existing.state === 'Pending' || existing.containers.some((c) => c.process?.running))
      return { group: existing, operationId: undefined };
    const operationId = this.#operations.begin();
    existing.state = 'Pending';
    this.#schedule(existing, this.#options.provisioningDelayMs, () => {
      this.#runContainers(existing);
      this.#operations.finish(operationId, undefined);
    });
    return { group: existing, operationId };
  }

  /** A container's output, all of it or its last `tail` lines. */
  logs(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    containerName: string,
    tail: number | undefined,
  ): string {
    const group = this.get(subscriptionId, resourceGroup, name);
    const container = group.containers.find((c) => c.spec.name === containerName);
    if (!container)
      throw new ArmError(
        404,
        'ContainerNotFound',
        `The container '${containerName}' was not found in container group '${name}'.`,
      );
    const all = container.earlierLogs + (container.process?.logs() ?? '');
    if (tail === undefined) return all;
    const lines = all.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.length === 0 ? '' : `${lines.slice(-tail).join('\n')}\n`;
  }

  /** Process ids of running containers, by group name. */
  runningProcesses(): { group: string; container: string; pid: number }[] {
    return [...this.groups.values()].flatMap((g) =>
      g.containers
        .filter((c) => c.process?.running && c.process.pid !== undefined)
        .map((c) => ({ group: g.name, container: c.spec.name, pid: c.process!.pid as number })),
    );
  }

  /** Stops every container and forgets every group; nothing starts afterwards. */
  async shutdown(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.groups.values()].map((g) => this.#terminateGroup(g)));
    this.groups.clear();
  }

  #repeatCreate(existing: GroupRecord, spec: ContainerGroupSpec): string {
    if (existing.spec.location.toLowerCase() !== spec.location.toLowerCase())
      throw new ArmError(
        409,
        'InvalidResourceLocation',
        `The resource '${existing.name}' already exists in location '${existing.spec.location}'.`,
      );
    const operationId = this.#operations.begin();
    // The repeated create's operation ends when the group's own provisioning does.
    const settle = (): void => {
      if (existing.provisioningState === 'Pending' || existing.provisioningState === 'Creating') {
        this.#schedule(existing, SETTLE_POLL_MS, settle);
        return;
      }
      this.#operations.finish(
        operationId,
        existing.provisioningState === 'Failed'
          ? {
              code: 'ContainerGroupProvisioningFailed',
              message: `The container group '${existing.name}' failed to provision.`,
            }
          : undefined,
      );
    };
    settle();
    return operationId;
  }

  #runContainers(group: GroupRecord): void {
    if (this.#stopping) return;
    group.state = 'Running';
    for (const container of group.containers) this.#startContainer(group, container);
  }

  #startContainer(group: GroupRecord, container: ContainerRecord): void {
    if (this.#stopping || !this.#options.runtime.canPull(container.spec.image)) return;
    if (container.process) {
      // Bounded, so a crash-looping container cannot grow the emulator without limit.
      container.earlierLogs = (container.earlierLogs + container.process.logs()).slice(-MAX_LOG_CHARS);
      container.restartCount += 1;
      container.previousState = container.currentState;
    }
    const started = this.#options.runtime.start(group, container, (exitCode) =>
      this.#containerExited(group, container, started!, exitCode),
    );
    if (!started) return;
    container.process = started;
    container.currentState = {
      state: 'Running',
      startTime: started.startTime.toISOString(),
      detailStatus: '',
    };
    this.#addEvent(container.events, 'Started', `Started container ${container.spec.name}`, 'Normal');
  }

  #containerExited(
    group: GroupRecord,
    container: ContainerRecord,
    run: ContainerProcess,
    exitCode: number,
  ): void {
    container.currentState = {
      state: 'Terminated',
      startTime: run.startTime.toISOString(),
      finishTime: (run.finishTime ?? new Date(this.#options.clock.now())).toISOString(),
      exitCode,
      detailStatus: run.stopRequested ? 'Killed' : exitCode === 0 ? 'Completed' : 'Error',
    };
    this.#addEvent(
      container.events,
      run.stopRequested ? 'Killing' : 'Terminated',
      `Container ${container.spec.name} exited with code ${exitCode}`,
      'Normal',
    );
    const policy = group.spec.restartPolicy;
    if (!run.stopRequested && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0))) {
      // Restarted with a growing back-off, as a crash-looping container is in ACI.
      const backoffMs = Math.min(this.#options.restartBackoffMs * 2 ** container.restartCount, 60_000);
      this.#schedule(group, backoffMs, () => this.#startContainer(group, container));
      return;
    }
    if (group.containers.every((c) => !c.process?.running) && group.state === 'Running')
      group.state = group.containers.every((c) => c.currentState?.exitCode === 0) ? 'Succeeded' : 'Failed';
  }

  async #terminateGroup(group: GroupRecord): Promise<void> {
    for (const timer of group.timers) this.#options.clock.clearTimeout(timer);
    group.timers.clear();
    await Promise.all(group.containers.map((c) => c.process?.stop(this.#options.stopGraceMs)));
  }

  #schedule(group: GroupRecord, delayMs: number, action: () => void): void {
    const timer = this.#options.clock.setTimeout(() => {
      group.timers.delete(timer);
      action();
    }, delayMs);
    group.timers.add(timer);
  }

  #addEvent(events: ContainerEvent[], name: string, message: string, type: ContainerEvent['type']): void {
    const now = this.#isoNow();
    events.push({ count: 1, firstTimestamp: now, lastTimestamp: now, name, message, type });
  }

  #isoNow(): string {
    return new Date(this.#options.clock.now()).toISOString();
  }
}

function groupKey(subscriptionId: string, resourceGroup: string, name: string): string {
  return `${subscriptionId}/${resourceGroup}/${name}`.toLowerCase();
}
