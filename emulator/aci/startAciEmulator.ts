import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZodError } from 'zod';
import { ensureLocalCertificate, type LocalCertificate } from '../certs/localCertificate.js';
import { principalIdFor, type LocalIdentity, type LocalTokenIssuer } from '../identity/localTokenIssuer.js';
import { FaultPlan, type AciFaults, type AciOperation } from './aciFaults.js';
import { ArmError, resourceNotFound } from './armError.js';
import { resolveImageCommand, type ImageCommand } from './imageCommands.js';
import { LocalContainerProcess } from './localContainerProcess.js';
import {
  validateContainerGroup,
  validateGroupName,
  type ContainerGroupSpec,
  type ContainerSpec,
} from './validateContainerGroup.js';

export const DEFAULT_ACI_API_VERSION = '2023-05-01';
export const SUPPORTED_ACI_API_VERSIONS = [
  '2021-03-01',
  '2021-07-01',
  '2021-09-01',
  '2021-10-01',
  '2022-09-01',
  '2022-10-01-preview',
  '2023-02-01-preview',
  '2023-05-01',
  '2024-05-01-preview',
] as const;
const GROUP_TYPE = 'Microsoft.ContainerInstance/containerGroups';
// Bounds for the in-memory request log and finished async operations of a long-running stack.
const MAX_RECORDS = 10_000;
const MAX_LOG_CHARS = 1024 * 1024;
const OPERATION_RETENTION_MS = 15 * 60_000;

export interface AciEmulatorOptions {
  /** 0 (default) picks a free port. Always bound to 127.0.0.1. */
  port?: number;
  /** The HTTPS certificate; or `dataDir` to make (or reuse) the stack's local one. */
  certificate?: LocalCertificate;
  dataDir?: string;
  /** image (or image without tag) → local command. Any other image fails to pull, as in ACI. */
  images?: Record<string, ImageCommand>;
  /** When set, bearer tokens must be issued by it for `https://management.azure.com`. */
  tokenIssuer?: LocalTokenIssuer;
  /** Known identities: their client and principal ids appear on groups that attach them. */
  identities?: LocalIdentity[];
  /** Value of AZURE_POD_IDENTITY_AUTHORITY_HOST inside containers (the IMDS-style endpoint). */
  podIdentityAuthorityHost?: string;
  /** Extra environment every container gets (after the image's, before the group's own). */
  containerEnvironment?: Record<string, string>;
  /** Resource groups that exist; omitted means every name exists. */
  resourceGroups?: string[];
  /** Per region and subscription; Azure's defaults are 100 groups and 100 cores. */
  quota?: { containerGroups?: number; cores?: number; spotCores?: number };
  faults?: AciFaults;
  /**
   * The identity endpoint, to give each group an IMDS host serving only the identities attached to
   * it (as in ACI). Without it, containers get `podIdentityAuthorityHost` (every identity).
   */
  identityEndpoint?: {
    attachIdentities(scopeId: string, identityResourceIds: string[]): string;
    detachIdentities(scopeId: string): void;
  };
  /** Client ids allowed to manage container groups (the app's role assignment); omitted means any. */
  authorizedClientIds?: string[];
  /** First back-off before a container of an Always/OnFailure group is restarted; doubles each time. */
  restartBackoffMs?: number;
  /** Time from an accepted create to running containers. */
  provisioningDelayMs?: number;
  /** Grace between SIGTERM and SIGKILL when a group is stopped or deleted. */
  stopGraceMs?: number;
  /** Page size of list operations (ARM pages by 100). */
  listPageSize?: number;
  /** Sent as Retry-After on async-operation polls; omitted lets the client pick its interval. */
  pollRetryAfterSeconds?: number;
}

/** One ARM request as received; holds how it was authenticated, never the credential itself. */
export interface ArmRequestRecord {
  method: string;
  path: string;
  operation: AciOperation | 'admin' | 'unknown';
  /** Authorization scheme sent ('Bearer', 'SharedKey', ...) or 'none'. */
  authorization: string;
  /** Client id (appid claim) of a verified bearer token. */
  clientId?: string;
  status: number;
}

export interface RunningAciEmulator {
  /** https://127.0.0.1:<port>; pass as `endpoint` to ContainerInstanceManagementClient. */
  endpoint: string;
  port: number;
  certificate: LocalCertificate;
  faults: FaultPlan;
  requests: ArmRequestRecord[];
  /** Process ids of running containers, by group name (for tests and diagnostics). */
  runningProcesses(): { group: string; container: string; pid: number }[];
  stop(): Promise<void>;
}

type ProvisioningState = 'Pending' | 'Creating' | 'Succeeded' | 'Failed' | 'Deleting';

interface ContainerEvent {
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  name: string;
  message: string;
  type: 'Normal' | 'Warning';
}

interface ContainerState {
  state: 'Waiting' | 'Running' | 'Terminated';
  startTime?: string;
  finishTime?: string;
  exitCode?: number;
  detailStatus: string;
}

interface ContainerRuntime {
  spec: ContainerSpec;
  process?: LocalContainerProcess;
  /** Output of earlier runs of this container (before a stop and start), kept for the logs API. */
  earlierLogs: string;
  restartCount: number;
  currentState?: ContainerState;
  previousState?: ContainerState;
  events: ContainerEvent[];
}

interface GroupRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  spec: ContainerGroupSpec;
  provisioningState: ProvisioningState;
  state: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Stopped';
  containers: ContainerRuntime[];
  workDir: string;
  groupEvents: ContainerEvent[];
  /** AZURE_POD_IDENTITY_AUTHORITY_HOST of the group's containers. */
  podIdentityAuthorityHost: string | undefined;
  /** Pending timers of the group's provisioning, cleared when it is deleted first. */
  timers: Set<NodeJS.Timeout>;
}

interface AsyncOperation {
  id: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
}

/**
 * An ARM-compatible Azure Container Instances endpoint on loopback HTTPS that the real
 * `@azure/arm-containerinstance` client talks to unchanged. Each container runs as a local
 * process chosen by its image; faults can be injected to exercise the app's error handling.
 */
export async function startAciEmulator(options: AciEmulatorOptions = {}): Promise<RunningAciEmulator> {
  // Without a certificate or data folder, a throwaway one is made and removed on stop.
  const ownCertDir =
    options.certificate || options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'mediaferry-aci-'));
  const certificate =
    options.certificate ?? ensureLocalCertificate(options.dataDir ?? (ownCertDir as string));
  const images = options.images ?? {};
  const faults = new FaultPlan(options.faults);
  const requests: ArmRequestRecord[] = [];
  const groups = new Map<string, GroupRecord>();
  const operations = new Map<string, AsyncOperation>();
  const provisioningDelayMs = options.provisioningDelayMs ?? 100;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  const pageSize = options.listPageSize ?? 100;
  const restartBackoffMs = options.restartBackoffMs ?? 1000;
  const workRoot = mkdtempSync(join(tmpdir(), 'mediaferry-aci-containers-'));
  let endpoint = '';
  let stopping = false;

  const key = (sub: string, rg: string, name: string) => `${sub}/${rg}/${name}`.toLowerCase();

  const server: Server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record: ArmRequestRecord = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        operation: 'unknown',
        authorization: (req.headers.authorization ?? '').split(' ')[0] || 'none',
        status: 0,
      };
      requests.push(record);
      if (requests.length > MAX_RECORDS) requests.splice(0, requests.length - MAX_RECORDS);
      void route(req, res, Buffer.concat(chunks), record).catch((error: unknown) => {
        const armError =
          error instanceof ArmError
            ? error
            : new ArmError(500, 'InternalServerError', (error as Error).message);
        sendError(res, record, armError);
      });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse, body: Buffer, record: ArmRequestRecord) {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');

    if (path.startsWith('/_emulator/')) {
      record.operation = 'admin';
      return admin(method, path, body, res, record);
    }

    const op =
      /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ContainerInstance\/locations\/([^/]+)\/operations\/([^/]+)$/i.exec(
        path,
      );
    const list =
      /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/providers\/Microsoft\.ContainerInstance\/containerGroups$/i.exec(
        path,
      );
    const group =
      /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerInstance\/containerGroups\/([^/]+)(?:\/(stop|start|restart)|\/containers\/([^/]+)\/logs)?$/i.exec(
        path,
      );
    let operation: AciOperation | undefined;
    if (op && method === 'GET') operation = 'poll';
    else if (list && method === 'GET') operation = 'list';
    else if (group && group[4] && method === 'POST')
      operation = group[4].toLowerCase() as 'stop' | 'start' | 'restart';
    else if (group && group[5] && method === 'GET') operation = 'logs';
    else if (group && !group[4] && !group[5])
      operation = ({ GET: 'get', PUT: 'create', DELETE: 'delete' } as const)[
        method as 'GET' | 'PUT' | 'DELETE'
      ];
    if (!operation) {
      throw new ArmError(
        op || list || group ? 405 : 404,
        op || list || group ? 'MethodNotAllowed' : 'InvalidResourceType',
        `The ${method} request to '${path}' is not supported by the Container Instances emulator.`,
      );
    }
    record.operation = operation;

    authenticate(req, record);
    const apiVersion = checkApiVersion(url, (list?.[2] ?? group?.[2]) ? 'containerGroups' : 'operations');

    const throttle = faults.take('throttle', (f) => f.operations.includes(operation));
    if (throttle)
      throw new ArmError(
        429,
        'TooManyRequests',
        `The request is being throttled as the limit has been reached for operation type - ${operation}. Please retry after ${throttle.retryAfterSeconds} seconds.`,
        { retryAfterSeconds: throttle.retryAfterSeconds },
      );

    if (operation === 'poll') {
      const found = operations.get(op![3] as string);
      if (!found) throw new ArmError(404, 'OperationNotFound', `The operation '${op![3]}' was not found.`);
      const headers: Record<string, string> = {};
      if (found.status === 'InProgress' && options.pollRetryAfterSeconds !== undefined)
        headers['retry-after'] = String(options.pollRetryAfterSeconds);
      return send(res, record, 200, found, headers);
    }

    const match = (list ?? group) as RegExpExecArray;
    const subscriptionId = match[1] as string;
    const resourceGroup = match[2];
    if (
      resourceGroup !== undefined &&
      options.resourceGroups &&
      !options.resourceGroups.some((rg) => rg.toLowerCase() === resourceGroup.toLowerCase())
    )
      throw new ArmError(
        404,
        'ResourceGroupNotFound',
        `Resource group '${resourceGroup}' could not be found.`,
      );

    if (operation === 'list') {
      const skip = Number(url.searchParams.get('$skiptoken') ?? '0') || 0;
      const all = [...groups.values()]
        .filter(
          (g) =>
            g.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() &&
            (resourceGroup === undefined || g.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()),
        )
        .sort((a, b) => a.name.localeCompare(b.name));
      const page = all.slice(skip, skip + pageSize);
      const result: { value: unknown[]; nextLink?: string } = { value: page.map((g) => serialize(g, false)) };
      if (skip + pageSize < all.length)
        result.nextLink = `${endpoint}${path}?api-version=${apiVersion}&$skiptoken=${skip + pageSize}`;
      return send(res, record, 200, result);
    }

    const name = group![3] as string;
    const rg = resourceGroup as string;
    const existing = groups.get(key(subscriptionId, rg, name));
    switch (operation) {
      case 'create':
        return create(res, record, subscriptionId, rg, name, body, apiVersion, existing);
      case 'get':
        if (!existing) throw resourceNotFound(GROUP_TYPE, name, rg);
        return send(res, record, 200, serialize(existing, true));
      case 'delete': {
        if (!existing) return send(res, record, 204, undefined);
        const failure = faults.take('deleteFailure');
        if (failure)
          throw new ArmError(
            failure.status,
            failure.code,
            `The container group '${name}' is still transitioning, please retry later.`,
            { retryable: true },
          );
        groups.delete(key(subscriptionId, rg, name));
        options.identityEndpoint?.detachIdentities(key(subscriptionId, rg, name));
        existing.provisioningState = 'Deleting';
        await terminateGroup(existing);
        rmSync(existing.workDir, { recursive: true, force: true });
        return send(res, record, 200, serialize(existing, false));
      }
      case 'stop':
        if (!existing) throw resourceNotFound(GROUP_TYPE, name, rg);
        await terminateGroup(existing);
        existing.state = 'Stopped';
        return send(res, record, 204, undefined);
      case 'start':
      case 'restart': {
        if (!existing) throw resourceNotFound(GROUP_TYPE, name, rg);
        if (operation === 'restart') await terminateGroup(existing);
        else if (existing.containers.some((c) => c.process?.running))
          throw new ArmError(
            409,
            'ContainerGroupTransitioning',
            `The container group '${name}' is already running.`,
          );
        const operationId = beginOperation();
        existing.state = 'Pending';
        schedule(existing, provisioningDelayMs, () => {
          runContainers(existing);
          finishOperation(operationId, undefined);
        });
        return send(res, record, 202, undefined, {
          'azure-asyncoperation': operationUrl(
            subscriptionId,
            existing.spec.location,
            operationId,
            apiVersion,
          ),
        });
      }
      case 'logs': {
        if (!existing) throw resourceNotFound(GROUP_TYPE, name, rg);
        const container = existing.containers.find((c) => c.spec.name === group![5]);
        if (!container)
          throw new ArmError(
            404,
            'ContainerNotFound',
            `The container '${group![5]}' was not found in container group '${name}'.`,
          );
        const tailText = url.searchParams.get('tail');
        const tail = tailText === null ? undefined : Number(tailText);
        if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
          throw new ArmError(
            400,
            'InvalidTailValue',
            `The tail value '${tailText}' must be a non-negative integer.`,
          );
        return send(res, record, 200, { content: containerLogs(container, tail) });
      }
    }
  }

  function create(
    res: ServerResponse,
    record: ArmRequestRecord,
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    body: Buffer,
    apiVersion: string,
    existing: GroupRecord | undefined,
  ) {
    validateGroupName(name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8') || 'null');
    } catch (error) {
      throw new ArmError(
        400,
        'InvalidRequestContent',
        `The request content was invalid and could not be deserialized: ${(error as Error).message}`,
      );
    }
    const spec = validateContainerGroup(parsed);

    if (existing) {
      // A repeated create (a retried or replayed activity) changes nothing and reports the group as it is.
      if (existing.spec.location.toLowerCase() !== spec.location.toLowerCase())
        throw new ArmError(
          409,
          'InvalidResourceLocation',
          `The resource '${name}' already exists in location '${existing.spec.location}'.`,
        );
      const operationId = beginOperation();
      const settle = () => {
        if (existing.provisioningState === 'Pending' || existing.provisioningState === 'Creating')
          return false;
        finishOperation(
          operationId,
          existing.provisioningState === 'Failed'
            ? {
                code: 'ContainerGroupProvisioningFailed',
                message: `The container group '${name}' failed to provision.`,
              }
            : undefined,
        );
        return true;
      };
      if (!settle()) {
        const poll = setInterval(() => settle() && clearInterval(poll), 50);
        existing.timers.add(poll);
      }
      return send(res, record, 200, serialize(existing, false), {
        'azure-asyncoperation': operationUrl(subscriptionId, spec.location, operationId, apiVersion),
      });
    }

    if (options.identities) {
      for (const id of Object.keys(spec.identity?.userAssignedIdentities ?? {}))
        if (!options.identities.some((i) => i.resourceId?.toLowerCase() === id.toLowerCase()))
          throw new ArmError(
            400,
            'FailedIdentityOperation',
            `Identity operation for resource '${GROUP_TYPE}/${name}' failed with error 'Failed to perform resource identity operation. Status: 'NotFound'. Response: 'The user-assigned identity '${id}' does not exist.''.`,
          );
    }
    checkQuota(subscriptionId, spec);
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

    const groupRecord: GroupRecord = {
      subscriptionId,
      resourceGroup,
      name,
      spec,
      provisioningState: 'Pending',
      state: 'Pending',
      containers: spec.containers.map((c) => ({ spec: c, earlierLogs: '', restartCount: 0, events: [] })),
      workDir: mkdtempSync(join(workRoot, `${name}-`)),
      groupEvents: [],
      podIdentityAuthorityHost: options.podIdentityAuthorityHost,
      timers: new Set(),
    };
    const attachedIdentities = Object.keys(spec.identity?.userAssignedIdentities ?? {});
    if (options.identityEndpoint)
      groupRecord.podIdentityAuthorityHost = options.identityEndpoint.attachIdentities(
        key(subscriptionId, resourceGroup, name),
        attachedIdentities,
      );
    groups.set(key(subscriptionId, resourceGroup, name), groupRecord);
    const operationId = beginOperation();

    const slowStart = faults.take('slowStart');
    const pullFault = faults.take('imagePullFailure');
    const provisioningFault = faults.take('provisioningFailure');
    schedule(groupRecord, provisioningDelayMs + (slowStart?.delayMs ?? 0), () => {
      const unpullable = groupRecord.containers.find(
        (c) => pullFault || !resolveImageCommand(images, c.spec.image),
      );
      if (unpullable) {
        const message = `The image '${unpullable.spec.image}' in container group '${name}' is not accessible. Please check the image and registry credential.`;
        groupRecord.provisioningState = 'Failed';
        groupRecord.state = 'Failed';
        for (const c of groupRecord.containers) {
          c.currentState = { state: 'Waiting', detailStatus: 'ErrImagePull' };
          addEvent(c.events, 'Pulling', `pulling image "${c.spec.image}"`, 'Normal');
          if (c === unpullable || pullFault)
            addEvent(
              c.events,
              'Failed',
              `Failed to pull image "${c.spec.image}": image not found or access denied`,
              'Warning',
            );
        }
        return finishOperation(operationId, { code: 'InaccessibleImage', message });
      }
      if (provisioningFault) {
        groupRecord.provisioningState = 'Failed';
        groupRecord.state = 'Failed';
        addEvent(groupRecord.groupEvents, 'Failed', provisioningFault.message, 'Warning');
        return finishOperation(operationId, {
          code: provisioningFault.code,
          message: provisioningFault.message,
        });
      }
      groupRecord.provisioningState = 'Creating';
      for (const c of groupRecord.containers) {
        addEvent(c.events, 'Pulling', `pulling image "${c.spec.image}"`, 'Normal');
        addEvent(c.events, 'Pulled', `Successfully pulled image "${c.spec.image}"`, 'Normal');
      }
      runContainers(groupRecord);
      groupRecord.provisioningState = 'Succeeded';
      finishOperation(operationId, undefined);
    });

    return send(res, record, 201, serialize(groupRecord, false), {
      'azure-asyncoperation': operationUrl(subscriptionId, spec.location, operationId, apiVersion),
    });
  }

  function checkQuota(subscriptionId: string, spec: ContainerGroupSpec) {
    // Stopped and failed groups still count, as in Azure.
    const sameRegion = [...groups.values()].filter(
      (g) =>
        g.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() &&
        g.spec.location.toLowerCase() === spec.location.toLowerCase(),
    );
    const groupLimit = options.quota?.containerGroups ?? 100;
    if (sameRegion.length + 1 > groupLimit)
      throw new ArmError(
        409,
        'ContainerGroupQuotaReached',
        `Resource type '${GROUP_TYPE}' container group quota 'ContainerGroups' exceeded in region '${spec.location}'. Limit: '${groupLimit}', Usage: '${sameRegion.length}' Requested: '1'.`,
        { retryable: true },
      );
    const spot = spec.priority === 'Spot';
    const coreLimit = (spot ? options.quota?.spotCores : options.quota?.cores) ?? 100;
    const used = sameRegion
      .filter((g) => (g.spec.priority === 'Spot') === spot)
      .reduce((sum, g) => sum + g.spec.containers.reduce((s, c) => s + c.cpu, 0), 0);
    const requested = spec.containers.reduce((s, c) => s + c.cpu, 0);
    if (used + requested > coreLimit)
      throw new ArmError(
        409,
        'ContainerGroupQuotaReached',
        `Resource type '${GROUP_TYPE}' container group quota '${spot ? 'StandardSpotCores' : 'StandardCores'}' exceeded in region '${spec.location}'. Limit: '${coreLimit}', Usage: '${used}' Requested: '${requested}'.`,
        { retryable: true },
      );
  }

  function runContainers(groupRecord: GroupRecord) {
    if (stopping) return;
    groupRecord.state = 'Running';
    for (const container of groupRecord.containers) startContainer(groupRecord, container);
  }

  function startContainer(groupRecord: GroupRecord, container: ContainerRuntime) {
    const image = resolveImageCommand(images, container.spec.image);
    if (!image || stopping) return;
    if (container.process) {
      // Bounded, so a crash-looping container cannot grow the emulator without limit.
      container.earlierLogs = (container.earlierLogs + container.process.logs()).slice(-MAX_LOG_CHARS);
      container.restartCount += 1;
      container.previousState = container.currentState;
    }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: groupRecord.workDir,
      TMPDIR: groupRecord.workDir,
      LANG: 'C.UTF-8',
      HOSTNAME: groupRecord.name,
      NODE_EXTRA_CA_CERTS: certificate.certPath,
      ...(groupRecord.podIdentityAuthorityHost
        ? { AZURE_POD_IDENTITY_AUTHORITY_HOST: groupRecord.podIdentityAuthorityHost }
        : {}),
      ...image.env,
      ...options.containerEnvironment,
    };
    for (const variable of container.spec.environmentVariables)
      env[variable.name] = variable.secureValue ?? variable.value ?? '';
    const started = new LocalContainerProcess({
      command: image.command,
      args: [...(image.args ?? []), ...(container.spec.command ?? [])],
      env,
      cwd: groupRecord.workDir,
      onExit: (exitCode) => {
        container.currentState = {
          state: 'Terminated',
          startTime: started.startTime.toISOString(),
          finishTime: (started.finishTime ?? new Date()).toISOString(),
          exitCode,
          detailStatus: started.stopRequested ? 'Killed' : exitCode === 0 ? 'Completed' : 'Error',
        };
        addEvent(
          container.events,
          started.stopRequested ? 'Killing' : 'Terminated',
          `Container ${container.spec.name} exited with code ${exitCode}`,
          'Normal',
        );
        const policy = groupRecord.spec.restartPolicy;
        if (!started.stopRequested && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0))) {
          // Restarted with a growing back-off, as a crash-looping container is in ACI.
          const backoffMs = Math.min(restartBackoffMs * 2 ** container.restartCount, 60_000);
          schedule(groupRecord, backoffMs, () => startContainer(groupRecord, container));
          return;
        }
        if (groupRecord.containers.every((c) => !c.process?.running) && groupRecord.state === 'Running')
          groupRecord.state = groupRecord.containers.every((c) => c.currentState?.exitCode === 0)
            ? 'Succeeded'
            : 'Failed';
      },
    });
    container.process = started;
    container.currentState = {
      state: 'Running',
      startTime: started.startTime.toISOString(),
      detailStatus: '',
    };
    addEvent(container.events, 'Started', `Started container ${container.spec.name}`, 'Normal');
  }

  async function terminateGroup(groupRecord: GroupRecord) {
    for (const timer of groupRecord.timers) clearTimeout(timer);
    groupRecord.timers.clear();
    await Promise.all(groupRecord.containers.map((c) => c.process?.stop(stopGraceMs)));
  }

  function schedule(groupRecord: GroupRecord, delayMs: number, action: () => void) {
    const timer = setTimeout(() => {
      groupRecord.timers.delete(timer);
      action();
    }, delayMs);
    groupRecord.timers.add(timer);
  }

  function beginOperation(): string {
    const id = randomUUID();
    operations.set(id, { id, status: 'InProgress', startTime: new Date().toISOString() });
    return id;
  }

  function finishOperation(id: string, error: { code: string; message: string } | undefined) {
    const operation = operations.get(id);
    if (!operation) return;
    operation.status = error ? 'Failed' : 'Succeeded';
    operation.endTime = new Date().toISOString();
    if (error) operation.error = error;
    const cutoff = Date.now() - OPERATION_RETENTION_MS;
    for (const [id, op] of operations)
      if (op.endTime && Date.parse(op.endTime) < cutoff) operations.delete(id);
  }

  function operationUrl(subscriptionId: string, location: string, id: string, apiVersion: string) {
    return `${endpoint}/subscriptions/${subscriptionId}/providers/Microsoft.ContainerInstance/locations/${encodeURIComponent(location)}/operations/${id}?api-version=${apiVersion}`;
  }

  function containerLogs(container: ContainerRuntime, tail: number | undefined): string {
    const all = container.earlierLogs + (container.process?.logs() ?? '');
    if (tail === undefined) return all;
    const lines = all.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.length === 0 ? '' : `${lines.slice(-tail).join('\n')}\n`;
  }

  function serialize(g: GroupRecord, withInstanceView: boolean) {
    const identity = g.spec.identity
      ? {
          type: g.spec.identity.type,
          ...(g.spec.identity.userAssignedIdentities
            ? {
                userAssignedIdentities: Object.fromEntries(
                  Object.keys(g.spec.identity.userAssignedIdentities).map((id) => {
                    const known = options.identities?.find(
                      (i) => i.resourceId?.toLowerCase() === id.toLowerCase(),
                    );
                    const clientId = known?.clientId ?? principalIdFor(`client:${id.toLowerCase()}`);
                    return [id, { principalId: known?.principalId ?? principalIdFor(clientId), clientId }];
                  }),
                ),
              }
            : {}),
        }
      : undefined;
    return {
      id: `/subscriptions/${g.subscriptionId}/resourceGroups/${g.resourceGroup}/providers/${GROUP_TYPE}/${g.name}`,
      name: g.name,
      type: GROUP_TYPE,
      location: g.spec.location,
      tags: g.spec.tags,
      ...(identity ? { identity } : {}),
      properties: {
        provisioningState: g.provisioningState,
        sku: g.spec.sku,
        osType: g.spec.osType,
        restartPolicy: g.spec.restartPolicy,
        ...(g.spec.priority ? { priority: g.spec.priority } : {}),
        ...(g.spec.volumes ? { volumes: g.spec.volumes } : {}),
        imageRegistryCredentials: g.spec.imageRegistryCredentials,
        containers: g.containers.map((c) => ({
          name: c.spec.name,
          properties: {
            image: c.spec.image,
            ...(c.spec.command ? { command: c.spec.command } : {}),
            ...(c.spec.ports ? { ports: c.spec.ports } : {}),
            ...(c.spec.volumeMounts ? { volumeMounts: c.spec.volumeMounts } : {}),
            // Secure values are write-only: ARM returns the name alone.
            environmentVariables: c.spec.environmentVariables.map((e) =>
              e.secureValue !== undefined ? { name: e.name } : { name: e.name, value: e.value ?? '' },
            ),
            resources: { requests: { cpu: c.spec.cpu, memoryInGB: c.spec.memoryInGB } },
            ...(withInstanceView
              ? {
                  instanceView: {
                    restartCount: c.restartCount,
                    ...(c.currentState ? { currentState: c.currentState } : {}),
                    ...(c.previousState ? { previousState: c.previousState } : {}),
                    events: c.events,
                  },
                }
              : {}),
          },
        })),
        ...(withInstanceView ? { instanceView: { events: g.groupEvents, state: g.state } } : {}),
      },
    };
  }

  function authenticate(req: IncomingMessage, record: ArmRequestRecord) {
    const header = req.headers.authorization;
    const challenge = {
      'www-authenticate':
        'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
    };
    if (!header)
      throw new ArmError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
        {
          headers: challenge,
        },
      );
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token)
      throw new ArmError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is provided in an invalid format.",
        {
          headers: challenge,
        },
      );
    if (!options.tokenIssuer) return;
    try {
      const claims = options.tokenIssuer.verify(token, 'https://management.azure.com');
      record.clientId = claims.appid;
      if (options.authorizedClientIds && !options.authorizedClientIds.includes(claims.appid))
        throw new ArmError(
          403,
          'AuthorizationFailed',
          `The client '${claims.appid}' with object id '${claims.oid}' does not have authorization to perform action '${GROUP_TYPE}/${record.method === 'GET' ? 'read' : 'write'}' over scope '${record.path}' or the scope is invalid.`,
        );
    } catch (error) {
      if (error instanceof ArmError) throw error;
      const code = (error as { code?: string }).code ?? 'InvalidAuthenticationToken';
      throw new ArmError(401, code, (error as Error).message, { headers: challenge });
    }
  }

  function checkApiVersion(url: URL, type: string): string {
    const version = url.searchParams.get('api-version');
    if (!version)
      throw new ArmError(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    if (!(SUPPORTED_ACI_API_VERSIONS as readonly string[]).includes(version))
      throw new ArmError(
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for API version '${version}' and type '${type}'. The supported api-versions are '${SUPPORTED_ACI_API_VERSIONS.join(', ')}'.`,
      );
    return version;
  }

  function admin(method: string, path: string, body: Buffer, res: ServerResponse, record: ArmRequestRecord) {
    if (path === '/_emulator/faults') {
      if (method === 'GET') return send(res, record, 200, faults.current());
      if (method === 'DELETE') {
        faults.clear();
        return send(res, record, 200, faults.current());
      }
      if (method === 'POST' || method === 'PUT') {
        try {
          faults.set(JSON.parse(body.toString('utf8') || '{}') as AciFaults);
        } catch (error) {
          const message =
            error instanceof ZodError
              ? error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
              : (error as Error).message;
          throw new ArmError(400, 'InvalidFaults', `The faults are invalid: ${message}`);
        }
        return send(res, record, 200, faults.current());
      }
    }
    if (path === '/_emulator/requests' && method === 'GET') return send(res, record, 200, requests);
    throw new ArmError(404, 'NotFound', `No emulator admin endpoint ${method} ${path}.`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `https://127.0.0.1:${port}`;

  return {
    endpoint,
    port,
    certificate,
    faults,
    requests,
    runningProcesses: () =>
      [...groups.values()].flatMap((g) =>
        g.containers
          .filter((c) => c.process?.running && c.process.pid !== undefined)
          .map((c) => ({ group: g.name, container: c.spec.name, pid: c.process!.pid as number })),
      ),
    async stop() {
      stopping = true;
      await Promise.all([...groups.values()].map((g) => terminateGroup(g)));
      groups.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(workRoot, { recursive: true, force: true });
      if (ownCertDir) rmSync(ownCertDir, { recursive: true, force: true });
    },
  };
}

function addEvent(events: ContainerEvent[], name: string, message: string, type: ContainerEvent['type']) {
  const now = new Date().toISOString();
  events.push({ count: 1, firstTimestamp: now, lastTimestamp: now, name, message, type });
}

function send(
  res: ServerResponse,
  record: ArmRequestRecord,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  record.status = status;
  const requestId = randomUUID();
  const common = { 'x-ms-request-id': requestId, 'x-ms-correlation-request-id': requestId, ...headers };
  if (body === undefined || status === 204) {
    res.writeHead(status, common);
    return res.end();
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...common,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, record: ArmRequestRecord, error: ArmError) {
  const headers: Record<string, string> = { ...error.extra.headers, 'x-ms-failure-cause': 'gateway' };
  if (error.extra.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(error.extra.retryAfterSeconds);
  send(res, record, error.status, error.toBody(), headers);
}
