import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ZodError } from 'zod';
import type { LocalIdentity, LocalTokenIssuer } from '../identity/localTokenIssuer.js';
import { BodyTooLargeError, readBody, sendJson } from '../shared/http.js';
import type { AciFaults, AciOperation, FaultPlan } from './aciFaults.js';
import type { AciGateway } from './aciGateway.js';
import { GROUP_TYPE } from './aciModel.js';
import { armContainerGroup } from './armContainerGroup.js';
import { ArmError } from './armError.js';

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
// Bound of the in-memory request log of a long-running stack.
const MAX_RECORDS = 10_000;
// ARM refuses request content over 4 MiB.
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** Operations of the ContainerInstance ARM spec (2023-05-01) that the emulator does not serve. */
const UNIMPLEMENTED_OPERATIONS: ReadonlyArray<[string, RegExp]> = [
  ['PATCH', /\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerInstance\/containerGroups\/[^/]+$/i],
  ['GET', /\/containerGroups\/[^/]+\/outboundNetworkDependenciesEndpoints$/i],
  ['POST', /\/containerGroups\/[^/]+\/containers\/[^/]+\/(exec|attach)$/i],
  ['GET', /\/providers\/Microsoft\.ContainerInstance\/operations$/i],
  [
    'GET',
    /\/providers\/Microsoft\.ContainerInstance\/locations\/[^/]+\/(usages|cachedImages|capabilities)$/i,
  ],
  [
    'DELETE',
    /\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+\/providers\/Microsoft\.ContainerInstance\/serviceAssociationLinks\/default$/i,
  ],
];

function isUnimplementedAciOperation(method: string, path: string): boolean {
  return UNIMPLEMENTED_OPERATIONS.some(([m, pattern]) => m === method.toUpperCase() && pattern.test(path));
}

const OPERATION_PATH =
  /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ContainerInstance\/locations\/([^/]+)\/operations\/([^/]+)$/i;
const LIST_PATH =
  /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/providers\/Microsoft\.ContainerInstance\/containerGroups$/i;
const GROUP_PATH =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerInstance\/containerGroups\/([^/]+)(?:\/(stop|start|restart)|\/containers\/([^/]+)\/logs)?$/i;

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

export interface AciRouterOptions {
  gateway: AciGateway;
  faults: FaultPlan;
  requests: ArmRequestRecord[];
  /** https://127.0.0.1:<port>, for the links in answers; known once listening. */
  endpoint: () => string;
  tokenIssuer?: LocalTokenIssuer;
  authorizedClientIds?: string[];
  identities?: LocalIdentity[];
  listPageSize: number;
  pollRetryAfterSeconds?: number;
}

/**
 * ARM's HTTP face of the Container Instances gateway: paths and api-versions to gateway calls,
 * bearer authentication, paging, async-operation headers, ARM error bodies, and the
 * `/_emulator/` admin endpoints (faults, request log).
 */
export function createAciRouter(
  options: AciRouterOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { gateway, faults, requests } = options;

  return (req, res) => {
    const record: ArmRequestRecord = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      operation: 'unknown',
      authorization: (req.headers.authorization ?? '').split(' ')[0] || 'none',
      status: 0,
    };
    requests.push(record);
    if (requests.length > MAX_RECORDS) requests.splice(0, requests.length - MAX_RECORDS);
    readBody(req, MAX_REQUEST_BYTES)
      .then((body) => route(req, res, body, record))
      .catch((error: unknown) => {
        const armError =
          error instanceof ArmError
            ? error
            : error instanceof BodyTooLargeError
              ? new ArmError(413, 'RequestContentTooLarge', error.message)
              : new ArmError(500, 'InternalServerError', (error as Error).message);
        sendError(res, record, armError);
      });
  };

  async function route(req: IncomingMessage, res: ServerResponse, body: Buffer, record: ArmRequestRecord) {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');

    if (path.startsWith('/_emulator/')) {
      record.operation = 'admin';
      return admin(method, path, body, res, record);
    }

    const op = OPERATION_PATH.exec(path);
    const list = LIST_PATH.exec(path);
    const group = GROUP_PATH.exec(path);
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
      // An ARM operation this emulator lacks (update tags, exec, attach, usages, ...) must not read as
      // 404, which clients take for "the group is gone".
      if (isUnimplementedAciOperation(method, path)) {
        throw new ArmError(
          501,
          'NotImplemented',
          `The Container Instances emulator does not implement ${method} '${path}'; it serves create, get, list, delete, start, stop, restart and logs of container groups.`,
        );
      }
      throw new ArmError(
        op || list || group ? 405 : 404,
        op || list || group ? 'MethodNotAllowed' : 'InvalidResourceType',
        `The ${method} request to '${path}' is not supported by the Container Instances emulator.`,
      );
    }
    record.operation = operation;

    authenticate(req, record);
    const apiVersion = checkApiVersion(url, (list?.[2] ?? group?.[2]) ? 'containerGroups' : 'operations');
    gateway.checkThrottle(operation);

    if (operation === 'poll') {
      const found = gateway.operation(op![3] as string);
      const headers: Record<string, string> = {};
      if (found.status === 'InProgress' && options.pollRetryAfterSeconds !== undefined)
        headers['retry-after'] = String(options.pollRetryAfterSeconds);
      return send(res, record, 200, found, headers);
    }

    const match = (list ?? group) as RegExpExecArray;
    const subscriptionId = match[1] as string;
    const resourceGroup = match[2];
    if (resourceGroup !== undefined) gateway.checkResourceGroup(resourceGroup);

    if (operation === 'list') {
      const pageSize = options.listPageSize;
      const skip = Number(url.searchParams.get('$skiptoken') ?? '0') || 0;
      const all = gateway.list(subscriptionId, resourceGroup);
      const page = all.slice(skip, skip + pageSize);
      const result: { value: unknown[]; nextLink?: string } = { value: page.map((g) => view(g, false)) };
      if (skip + pageSize < all.length)
        result.nextLink = `${options.endpoint()}${path}?api-version=${apiVersion}&$skiptoken=${skip + pageSize}`;
      return send(res, record, 200, result);
    }

    const name = group![3] as string;
    const rg = resourceGroup as string;
    const operationLink = (location: string, operationId: string) => ({
      'azure-asyncoperation': `${options.endpoint()}/subscriptions/${subscriptionId}/providers/Microsoft.ContainerInstance/locations/${encodeURIComponent(location)}/operations/${operationId}?api-version=${apiVersion}`,
    });
    switch (operation) {
      case 'create': {
        const created = gateway.createOrUpdate(subscriptionId, rg, name, body.toString('utf8'));
        return send(
          res,
          record,
          created.created ? 201 : 200,
          view(created.group, false),
          operationLink(created.group.spec.location, created.operationId),
        );
      }
      case 'get':
        return send(res, record, 200, view(gateway.get(subscriptionId, rg, name), true));
      case 'delete': {
        const deleted = await gateway.delete(subscriptionId, rg, name);
        return deleted ? send(res, record, 200, view(deleted, false)) : send(res, record, 204, undefined);
      }
      case 'stop':
        await gateway.stop(subscriptionId, rg, name);
        return send(res, record, 204, undefined);
      case 'start':
      case 'restart': {
        const started = await gateway.start(subscriptionId, rg, name, operation === 'restart');
        if (started.operationId === undefined) return send(res, record, 204, undefined);
        return send(
          res,
          record,
          202,
          undefined,
          operationLink(started.group.spec.location, started.operationId),
        );
      }
      case 'logs': {
        const tailText = url.searchParams.get('tail');
        const tail = tailText === null ? undefined : Number(tailText);
        if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
          throw new ArmError(
            400,
            'InvalidTailValue',
            `The tail value '${tailText}' must be a non-negative integer.`,
          );
        return send(res, record, 200, {
          content: gateway.logs(subscriptionId, rg, name, group![5] as string, tail),
        });
      }
    }
  }

  function view(group: Parameters<typeof armContainerGroup>[0], withInstanceView: boolean) {
    return armContainerGroup(group, withInstanceView, options.identities);
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
        { headers: challenge },
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

/** Answers as ARM does: every answer carries request and correlation ids. */
function send(
  res: ServerResponse,
  record: ArmRequestRecord,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  record.status = status;
  const requestId = randomUUID();
  sendJson(res, status, status === 204 ? undefined : body, {
    'x-ms-request-id': requestId,
    'x-ms-correlation-request-id': requestId,
    ...headers,
  });
}

function sendError(res: ServerResponse, record: ArmRequestRecord, error: ArmError) {
  const headers: Record<string, string> = { ...error.extra.headers, 'x-ms-failure-cause': 'gateway' };
  if (error.extra.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(error.extra.retryAfterSeconds);
  send(res, record, error.status, error.toBody(), headers);
}
