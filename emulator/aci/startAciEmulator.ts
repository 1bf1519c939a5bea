import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalCertificate, type LocalCertificate } from '../certs/localCertificate.js';
import type { LocalIdentity, LocalTokenIssuer } from '../identity/localTokenIssuer.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { closeServer, listenOnLoopback } from '../shared/http.js';
import { FaultPlan, type AciFaults } from './aciFaults.js';
import { AciGateway } from './aciGateway.js';
import { createAciRouter, type ArmRequestRecord } from './aciRouter.js';
import type { ImageCommand } from './imageCommands.js';
import { LocalContainerRuntime } from './localContainerRuntime.js';

export { DEFAULT_ACI_API_VERSION, SUPPORTED_ACI_API_VERSIONS, type ArmRequestRecord } from './aciRouter.js';

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
  /** Time for provisioning, restarts and operation records; the system clock by default. */
  clock?: Clock;
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

/**
 * An ARM-compatible Azure Container Instances endpoint on loopback HTTPS that the real
 * `@azure/arm-containerinstance` client talks to unchanged. Each container runs as a local
 * process chosen by its image; faults can be injected to exercise the app's error handling.
 * Composes the gateway (the service's rules), the router (ARM over HTTP) and the local runtime.
 */
export async function startAciEmulator(options: AciEmulatorOptions = {}): Promise<RunningAciEmulator> {
  // Without a certificate or data folder, a throwaway one is made and removed on stop.
  const ownCertDir =
    options.certificate || options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'mediaferry-aci-'));
  const certificate =
    options.certificate ?? ensureLocalCertificate(options.dataDir ?? (ownCertDir as string));
  const faults = new FaultPlan(options.faults);
  const requests: ArmRequestRecord[] = [];
  const runtime = new LocalContainerRuntime({
    images: options.images ?? {},
    caCertPath: certificate.certPath,
    ...(options.containerEnvironment ? { containerEnvironment: options.containerEnvironment } : {}),
  });
  const gateway = new AciGateway({
    clock: options.clock ?? systemClock,
    faults,
    runtime,
    ...(options.identities ? { identities: options.identities } : {}),
    ...(options.resourceGroups ? { resourceGroups: options.resourceGroups } : {}),
    ...(options.quota ? { quota: options.quota } : {}),
    ...(options.identityEndpoint ? { identityEndpoint: options.identityEndpoint } : {}),
    ...(options.podIdentityAuthorityHost
      ? { podIdentityAuthorityHost: options.podIdentityAuthorityHost }
      : {}),
    restartBackoffMs: options.restartBackoffMs ?? 1000,
    provisioningDelayMs: options.provisioningDelayMs ?? 100,
    stopGraceMs: options.stopGraceMs ?? 5000,
  });
  let endpoint = '';
  const server = createServer(
    { cert: certificate.cert, key: certificate.key },
    createAciRouter({
      gateway,
      faults,
      requests,
      endpoint: () => endpoint,
      ...(options.tokenIssuer ? { tokenIssuer: options.tokenIssuer } : {}),
      ...(options.authorizedClientIds ? { authorizedClientIds: options.authorizedClientIds } : {}),
      ...(options.identities ? { identities: options.identities } : {}),
      listPageSize: options.listPageSize ?? 100,
      ...(options.pollRetryAfterSeconds !== undefined
        ? { pollRetryAfterSeconds: options.pollRetryAfterSeconds }
        : {}),
    }),
  );
  const port = await listenOnLoopback(server, options.port);
  endpoint = `https://127.0.0.1:${port}`;

  return {
    endpoint,
    port,
    certificate,
    faults,
    requests,
    runningProcesses: () => gateway.runningProcesses(),
    async stop() {
      await gateway.shutdown();
      await closeServer(server);
      runtime.dispose();
      if (ownCertDir) rmSync(ownCertDir, { recursive: true, force: true });
    },
  };
}
