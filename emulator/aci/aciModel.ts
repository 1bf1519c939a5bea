import type { ClockTimer } from '../shared/clock.js';
import type { ContainerGroupSpec, ContainerSpec } from './validateContainerGroup.js';

export const GROUP_TYPE = 'Microsoft.ContainerInstance/containerGroups';

/** The in-memory model of container groups, and the runtime seam through which their containers run. */

export type ProvisioningState = 'Pending' | 'Creating' | 'Succeeded' | 'Failed' | 'Deleting';

export interface ContainerEvent {
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  name: string;
  message: string;
  type: 'Normal' | 'Warning';
}

export interface ContainerState {
  state: 'Waiting' | 'Running' | 'Terminated';
  startTime?: string;
  finishTime?: string;
  exitCode?: number;
  detailStatus: string;
}

/** A started container as the gateway sees it; the runtime decides what actually runs. */
export interface ContainerProcess {
  readonly running: boolean;
  readonly pid: number | undefined;
  readonly startTime: Date;
  readonly finishTime: Date | undefined;
  /** True once a stop was asked for, so the exit is reported as a kill, not a crash. */
  readonly stopRequested: boolean;
  logs(): string;
  /** Resolves once exited; forced after `graceMs`. */
  stop(graceMs: number): Promise<void>;
  /** Ends the container at once, as a lost node would: SIGKILL, no stop asked for. */
  crash(): void;
}

/** Where containers run: the gateway decides when, the runtime how. */
export interface ContainerRuntime {
  /** Whether the image can be pulled (has a local command). */
  canPull(image: string): boolean;
  /** A fresh private folder for a group's containers. */
  createWorkDir(groupName: string): string;
  removeWorkDir(workDir: string): void;
  /** Starts one container; undefined when its image cannot run. `onExit` is called once. */
  start(
    group: GroupRecord,
    container: ContainerRecord,
    onExit: (exitCode: number) => void,
  ): ContainerProcess | undefined;
}

export interface ContainerRecord {
  spec: ContainerSpec;
  process?: ContainerProcess;
  /** Output of earlier runs of this container (before a stop and start), kept for the logs API. */
  earlierLogs: string;
  restartCount: number;
  currentState?: ContainerState;
  previousState?: ContainerState;
  events: ContainerEvent[];
}

export interface GroupRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  spec: ContainerGroupSpec;
  provisioningState: ProvisioningState;
  state: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Stopped';
  containers: ContainerRecord[];
  workDir: string;
  groupEvents: ContainerEvent[];
  /** AZURE_POD_IDENTITY_AUTHORITY_HOST of the group's containers. */
  podIdentityAuthorityHost: string | undefined;
  /** Pending timers of the group's provisioning and restarts, cleared when it is stopped or deleted. */
  timers: Set<ClockTimer>;
}

export interface AsyncOperation {
  id: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
}
