import { describe, expect, it } from 'vitest';
import { FaultPlan, type AciFaults } from '../../../emulator/aci/aciFaults.js';
import { AciGateway } from '../../../emulator/aci/aciGateway.js';
import type { ContainerProcess, ContainerRuntime } from '../../../emulator/aci/aciModel.js';
import { ArmError } from '../../../emulator/aci/armError.js';
import { OPERATION_RETENTION_MS } from '../../../emulator/aci/asyncOperations.js';
import { ManualClock } from '../../../emulator/shared/clock.js';

const SUBSCRIPTION = '00000000-0000-4000-8000-0000000000aa';
const RESOURCE_GROUP = 'rg-jobs';
const KNOWN_IMAGE = 'test.local/sleeper:1';
const PROVISIONING_DELAY_MS = 2_000;

/** Containers that run in memory until the test ends them, so the gateway's rules run alone. */
class InMemoryRuntime implements ContainerRuntime {
  readonly started: { container: string; exit(code: number): void }[] = [];

  constructor(private readonly clock: ManualClock) {}

  canPull(image: string): boolean {
    return image === KNOWN_IMAGE;
  }

  createWorkDir(groupName: string): string {
    return `/work/${groupName}`;
  }

  removeWorkDir(): void {}

  start(
    _group: unknown,
    container: { spec: { name: string } },
    onExit: (exitCode: number) => void,
  ): ContainerProcess {
    const clock = this.clock;
    const run = {
      running: true,
      pid: 1000 + this.started.length,
      startTime: new Date(clock.now()),
      finishTime: undefined as Date | undefined,
      stopRequested: false,
      logs: () => `output of ${container.spec.name}\n`,
      stop: async () => {
        run.stopRequested = true;
        end(137);
      },
      crash: () => end(137),
    };
    const end = (code: number) => {
      if (!run.running) return;
      run.running = false;
      run.finishTime = new Date(clock.now());
      onExit(code);
    };
    this.started.push({ container: container.spec.name, exit: end });
    return run;
  }
}

function setUp(options: { faults?: AciFaults; quota?: { containerGroups?: number } } = {}) {
  const clock = new ManualClock();
  const runtime = new InMemoryRuntime(clock);
  const gateway = new AciGateway({
    clock,
    faults: new FaultPlan(options.faults),
    runtime,
    ...(options.quota ? { quota: options.quota } : {}),
    restartBackoffMs: 1_000,
    provisioningDelayMs: PROVISIONING_DELAY_MS,
    stopGraceMs: 1_000,
  });
  return { clock, runtime, gateway };
}

function groupContent(image = KNOWN_IMAGE, restartPolicy = 'Never'): string {
  return JSON.stringify({
    location: 'westeurope',
    properties: {
      osType: 'Linux',
      restartPolicy,
      containers: [
        { name: 'worker', properties: { image, resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
      ],
    },
  });
}

function armErrorOf(action: () => unknown): ArmError {
  try {
    action();
  } catch (error) {
    if (error instanceof ArmError) return error;
    throw error;
  }
  throw new Error('expected an ArmError');
}

describe('ACI gateway rules (no HTTP, no processes)', () => {
  it('provisions a group only once the provisioning delay has passed, then runs it to success', () => {
    const { clock, runtime, gateway } = setUp();
    const { group, operationId, created } = gateway.createOrUpdate(
      SUBSCRIPTION,
      RESOURCE_GROUP,
      'job-1',
      groupContent(),
    );
    expect(created).toBe(true);
    expect(group.provisioningState).toBe('Pending');
    expect(gateway.operation(operationId).status).toBe('InProgress');

    clock.advance(PROVISIONING_DELAY_MS - 1);
    expect(group.provisioningState).toBe('Pending');
    expect(runtime.started).toHaveLength(0);

    clock.advance(1);
    expect(group.provisioningState).toBe('Succeeded');
    expect(group.state).toBe('Running');
    expect(gateway.operation(operationId).status).toBe('Succeeded');
    expect(group.containers[0]?.events.map((e) => e.name)).toEqual(['Pulling', 'Pulled', 'Started']);

    runtime.started[0]?.exit(0);
    expect(group.state).toBe('Succeeded');
    expect(group.containers[0]?.currentState).toMatchObject({ state: 'Terminated', exitCode: 0 });
  });

  it('fails provisioning of an image with no local command, and its operation says why', () => {
    const { clock, gateway } = setUp();
    const { group, operationId } = gateway.createOrUpdate(
      SUBSCRIPTION,
      RESOURCE_GROUP,
      'job-2',
      groupContent('test.local/unknown:1'),
    );
    clock.advance(PROVISIONING_DELAY_MS);
    expect(group.provisioningState).toBe('Failed');
    expect(group.containers[0]?.currentState?.detailStatus).toBe('ErrImagePull');
    expect(gateway.operation(operationId)).toMatchObject({
      status: 'Failed',
      error: { code: 'InaccessibleImage' },
    });
  });

  it('ends a repeated create only when the group it repeats has settled', () => {
    const { clock, gateway } = setUp();
    gateway.createOrUpdate(SUBSCRIPTION, RESOURCE_GROUP, 'job-3', groupContent());
    clock.advance(500);
    const repeat = gateway.createOrUpdate(SUBSCRIPTION, RESOURCE_GROUP, 'job-3', groupContent());
    expect(repeat.created).toBe(false);
    expect(gateway.operation(repeat.operationId).status).toBe('InProgress');
    clock.advance(PROVISIONING_DELAY_MS);
    expect(gateway.operation(repeat.operationId).status).toBe('Succeeded');
  });

  it('forgets a finished operation once it is older than the retention period', () => {
    const { clock, gateway } = setUp();
    const first = gateway.createOrUpdate(SUBSCRIPTION, RESOURCE_GROUP, 'job-4', groupContent());
    clock.advance(PROVISIONING_DELAY_MS);
    expect(gateway.operation(first.operationId).status).toBe('Succeeded');

    clock.advance(OPERATION_RETENTION_MS);
    // Retention is enforced when another operation finishes.
    const second = gateway.createOrUpdate(SUBSCRIPTION, RESOURCE_GROUP, 'job-5', groupContent());
    clock.advance(PROVISIONING_DELAY_MS);
    expect(gateway.operation(second.operationId).status).toBe('Succeeded');
    expect(armErrorOf(() => gateway.operation(first.operationId))).toMatchObject({
      status: 404,
      code: 'OperationNotFound',
    });
  });

  it('restarts an OnFailure container with a doubling back-off and keeps its earlier output', () => {
    const { clock, runtime, gateway } = setUp();
    const { group } = gateway.createOrUpdate(
      SUBSCRIPTION,
      RESOURCE_GROUP,
      'job-6',
      groupContent(KNOWN_IMAGE, 'OnFailure'),
    );
    clock.advance(PROVISIONING_DELAY_MS);
    runtime.started[0]?.exit(1);
    clock.advance(999);
    expect(runtime.started).toHaveLength(1);
    clock.advance(1);
    expect(runtime.started).toHaveLength(2);
    expect(group.containers[0]?.restartCount).toBe(1);

    runtime.started[1]?.exit(1);
    clock.advance(1_999);
    expect(runtime.started).toHaveLength(2);
    clock.advance(1);
    expect(runtime.started).toHaveLength(3);
    expect(gateway.logs(SUBSCRIPTION, RESOURCE_GROUP, 'job-6', 'worker', undefined)).toBe(
      'output of worker\n'.repeat(3),
    );
  });

  it('refuses a group over the container group quota as retryable, counting failed groups too', () => {
    const { clock, gateway } = setUp({ quota: { containerGroups: 1 } });
    gateway.createOrUpdate(SUBSCRIPTION, RESOURCE_GROUP, 'job-7', groupContent('test.local/unknown:1'));
    clock.advance(PROVISIONING_DELAY_MS);
    const refused = armErrorOf(() =>
      gateway.createOrUpdate(SUBSCRIPTION, RESOURCE_GROUP, 'job-8', groupContent()),
    );
    expect(refused).toMatchObject({ status: 409, code: 'ContainerGroupQuotaReached', retryable: true });
  });

  it('applies a counted capacity fault once, then creates normally', () => {
    const { gateway } = setUp({ faults: { capacity: { count: 1 } } });
    const refused = armErrorOf(() =>
      gateway.createOrUpdate(SUBSCRIPTION, RESOURCE_GROUP, 'job-9', groupContent()),
    );
    expect(refused).toMatchObject({ status: 409, retryable: true });
    expect(gateway.createOrUpdate(SUBSCRIPTION, RESOURCE_GROUP, 'job-9', groupContent()).created).toBe(true);
  });

  it('kills a counted container crash fault’s containers after the delay, as a crash (not a stop), once', () => {
    const { clock, runtime, gateway } = setUp({ faults: { containerCrash: { count: 1, afterMs: 2_000 } } });
    const { group } = gateway.createOrUpdate(SUBSCRIPTION, RESOURCE_GROUP, 'job-10', groupContent());
    clock.advance(PROVISIONING_DELAY_MS + 1_999);
    expect(group.state).toBe('Running');
    clock.advance(1);
    expect(group.state).toBe('Failed');
    expect(group.containers[0]?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode: 137,
      detailStatus: 'Error',
    });

    const next = gateway.createOrUpdate(SUBSCRIPTION, RESOURCE_GROUP, 'job-11', groupContent()).group;
    clock.advance(PROVISIONING_DELAY_MS + 60_000);
    expect(next.state).toBe('Running');
    expect(runtime.started).toHaveLength(2);
  });
});
