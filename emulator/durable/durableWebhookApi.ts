import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../shared/http.js';
import type { DurableEngine } from './durableEngine.js';
import { BadDurableRequestError, DurableEngineError, EntityFunctionNotFoundError } from './durableErrors.js';
import { type EntityRow, isTerminal } from './storeRows.js';
import { entitySchedulerId } from './entityRules.js';
import { instanceStatusBody } from './instanceStatusBody.js';
import { InstanceNotFinishedError, PlainMessageError, RewindNotFailedError } from './PlainMessageError.js';
import { readWaitParameters, waitForInstanceEnd } from './waitForInstanceEnd.js';
import {
  isTrue,
  readJsonText,
  heldReplies,
  send,
  sendJsonText,
  pageRequest,
  isJsonContent,
  parsePurgeFilter,
  parseFilter,
} from './webhookRequests.js';

export const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask';
/** Management URLs for one instance, as createCheckStatusResponse prints them. */
export function managementUrls(baseUrl: string, instanceId: string, hubName: string) {
  const instance = `${baseUrl}/instances/${encodeURIComponent(instanceId)}`;
  const query = `taskHub=${encodeURIComponent(hubName)}&connection=Storage`;
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}?${query}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${instance}?${query}`,
    restartPostUri: `${instance}/restart?${query}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
    resumePostUri: `${instance}/resume?reason={text}&${query}`,
  };
}

/**
 * Serves the Durable extension's HTTP API under /runtime/webhooks/durabletask/. The same routes are
 * the RPC surface that df.getClient() calls (rpcBaseUrl points here).
 */
export class DurableWebhookApi {
  constructor(
    private readonly engine: DurableEngine,
    private readonly baseUrl: () => string,
    private readonly hubName: string,
  ) {}

  /**
   * Answers only once the store has committed: nothing a reply reports (an instance started, an event
   * raised, a status read while a group of changes was still open) can be lost to a crash after it.
   */
  async handle(req: IncomingMessage, res: ServerResponse, subPath: string, url: URL): Promise<void> {
    const held: Array<() => void> = [];
    heldReplies.set(res, held);
    await this.#answer(req, res, subPath, url);
    try {
      await this.engine.committed();
    } catch (error) {
      held.length = 0;
      held.push(() =>
        sendJson(res, 503, { code: 'StoreUnavailable', message: (error as Error).message, retryable: true }),
      );
    }
    heldReplies.delete(res);
    for (const write of held) write();
  }

  async #answer(req: IncomingMessage, res: ServerResponse, subPath: string, url: URL): Promise<void> {
    try {
      await this.#route(req, res, subPath.replace(/^\/+/, '').replace(/\/+$/, ''), url);
    } catch (error) {
      if (error instanceof PlainMessageError) {
        send(res, error.httpStatus, error.message, { 'x-ms-error-code': error.code });
      } else if (error instanceof DurableEngineError) {
        send(res, error.httpStatus, { code: error.code, message: error.message, retryable: error.retryable });
      } else {
        send(res, 500, { code: 'InternalError', message: (error as Error).message, retryable: true });
      }
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const segments = path === '' ? [] : path.split('/').map(decodeURIComponent);
    const query = url.searchParams;
    const [head, id, action, extra] = segments;

    if (head === 'orchestrators' && id && segments.length <= 3 && method === 'POST') {
      const input = await readJsonText(req);
      const wait = readWaitParameters(query);
      const instance = this.engine.startNew(id, action, input);
      return this.#checkStatusResponse(res, instance.instanceId, wait);
    }
    if (head === 'entities') return this.#entities(req, res, method, segments.slice(1), query);
    if (head !== 'instances') {
      send(res, 404, { code: 'NotFound', message: `No durable API route matches '${method} ${path}'.` });
      return;
    }

    if (!id) {
      if (method === 'GET') return this.#list(req, res, query);
      if (method === 'DELETE') {
        const deleted = this.engine.purgeWhere(parsePurgeFilter(query));
        send(res, deleted > 0 ? 200 : 404, { instancesDeleted: deleted });
        return;
      }
    } else if (!action) {
      if (method === 'GET') return this.#status(res, id, query, url);
      if (method === 'DELETE') {
        const instance = this.engine.store.getInstance(id);
        if (instance && !isTerminal(instance.runtimeStatus)) {
          throw new InstanceNotFinishedError(id, instance.runtimeStatus);
        }
        const deleted = this.engine.purge(id);
        send(res, deleted ? 200 : 404, { instancesDeleted: deleted ? 1 : 0 });
        return;
      }
    } else if (method === 'POST') {
      const reason = query.get('reason') ?? '';
      switch (action) {
        case 'raiseEvent': {
          if (!extra) throw new BadDurableRequestError('The event name is missing: raiseEvent/{eventName}.');
          const instance = this.engine.store.getInstance(id);
          // The extension checks the instance first (404, 410), then the content type.
          if (instance && !isTerminal(instance.runtimeStatus) && !isJsonContent(req)) {
            throw new PlainMessageError(
              'UnsupportedContentType',
              'Only application/json request content is supported',
              400,
            );
          }
          this.engine.raiseEvent(id, extra, await readJsonText(req));
          send(res, 202);
          return;
        }
        case 'terminate':
        case 'suspend':
        case 'resume':
          this.engine[action](id, reason);
          send(res, 202);
          return;
        case 'rewind':
          return this.#rewind(id);
        case 'restart': {
          if (!this.engine.store.getInstance(id)) {
            throw new PlainMessageError(
              'InstanceNotFound',
              `InstanceId does not match a valid orchestration instance: no instance with id '${id}'.`,
              400,
            );
          }
          const wait = readWaitParameters(query);
          const newId = this.engine.restart(id, isTrue(query.get('restartWithNewInstanceId'), true));
          return this.#checkStatusResponse(res, newId, wait);
        }
      }
    }
    send(res, method === 'GET' || method === 'POST' || method === 'DELETE' ? 404 : 405, {
      code: 'NotFound',
      message: `No durable API route matches '${method} ${path}'.`,
    });
  }

  /**
   * entities/{name}/{key}: POST signals `op` with the body as input (202), GET answers the state (404
   * when the entity does not exist); entities[/{name}]: GET lists entities that exist.
   */
  async #entities(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string[],
    query: URLSearchParams,
  ): Promise<void> {
    const [name, key, ...rest] = path;
    if (rest.length === 0 && name !== undefined && key !== undefined) {
      if (method === 'POST') {
        if (!this.engine.hasEntityFunction(name)) throw new EntityFunctionNotFoundError(name);
        const input = await readJsonText(req);
        this.engine.signalEntity(name, key, query.get('op') ?? '', input);
        send(res, 202);
        return;
      }
      if (method === 'GET') {
        const entity = this.engine.store.getEntity(entitySchedulerId(name, key));
        if (!entity?.exists) {
          send(res, 404, {
            code: 'EntityNotFound',
            message: `No entity '${name}' with key '${key}' exists.`,
            retryable: false,
          });
          return;
        }
        sendJsonText(res, 200, entity.state ?? 'null');
        return;
      }
    }
    if (path.length <= 1 && method === 'GET') return this.#listEntities(req, res, name, query);
    send(res, method === 'GET' || method === 'POST' ? 404 : 405, {
      code: 'NotFound',
      message: `No durable API route matches '${method} entities/${path.join('/')}'.`,
    });
  }

  #listEntities(req: IncomingMessage, res: ServerResponse, name: string | undefined, query: URLSearchParams) {
    const { top, token } = pageRequest(req, query);
    const after = token && token !== 'null' ? Buffer.from(token, 'base64url').toString('utf8') : '';
    const rows = this.engine.store.listEntities(name?.toLowerCase(), top + 1, after);
    const page = rows.slice(0, top);
    const headers: Record<string, string> = {};
    const last = page[page.length - 1];
    if (rows.length > top && last) {
      headers['x-ms-continuation-token'] = Buffer.from(last.entityId).toString('base64url');
    }
    const fetchState = isTrue(query.get('fetchState'), false);
    const body = page.map((row: EntityRow) => ({
      entityId: { name: row.name, key: row.key },
      lastOperationTime: new Date(row.lastModifiedAt).toISOString(),
      ...(fetchState ? { state: row.state === null ? null : (JSON.parse(row.state) as unknown) } : {}),
    }));
    send(res, 200, body, headers);
  }

  /** Rewind answers plain messages (the client shows them as the error): 404 unknown, 412 not Failed, 501 here. */
  #rewind(instanceId: string): never {
    const instance = this.engine.store.getInstance(instanceId);
    if (!instance) {
      throw new PlainMessageError('InstanceNotFound', `No instance with ID '${instanceId}' found.`, 404);
    }
    if (instance.runtimeStatus !== 'Failed')
      throw new RewindNotFailedError(instanceId, instance.runtimeStatus);
    try {
      return this.engine.rewind(instanceId);
    } catch (error) {
      throw error instanceof DurableEngineError ? PlainMessageError.from(error) : error;
    }
  }

  /**
   * The answer to a start or restart: 202 with the management URLs at once, or, with `timeout` and
   * `pollingInterval`, after waiting: 200 with the output when it completed, the status body when it
   * failed or was terminated, and the 202 when it is still running.
   */
  async #checkStatusResponse(
    res: ServerResponse,
    instanceId: string,
    wait: { timeoutMs: number; intervalMs: number } | undefined,
  ): Promise<void> {
    const urls = managementUrls(this.baseUrl(), instanceId, this.hubName);
    if (wait) {
      const row = await waitForInstanceEnd(this.engine.store, instanceId, wait.timeoutMs, wait.intervalMs);
      if (row?.runtimeStatus === 'Completed') {
        send(res, 200, instanceStatusBody(row, { showInput: false }).output);
        return;
      }
      // The extension passes returnInternalServerErrorOnFailure=false here, so a failure is a 200 too.
      if (row && isTerminal(row.runtimeStatus)) {
        send(res, 200, instanceStatusBody(row, { showInput: true }));
        return;
      }
    }
    const { id, rewindPostUri: _rewind, ...links } = urls;
    send(res, 202, { id, ...links }, { Location: urls.statusQueryGetUri, 'Retry-After': '10' });
  }

  #status(res: ServerResponse, instanceId: string, query: URLSearchParams, url: URL): void {
    const instance = this.engine.store.getInstance(instanceId);
    if (!instance) {
      send(res, 404, {
        code: 'InstanceNotFound',
        message: `No orchestration instance with id '${instanceId}'.`,
      });
      return;
    }
    const showHistory = isTrue(query.get('showHistory'), false);
    const body = instanceStatusBody(instance, {
      showInput: isTrue(query.get('showInput'), true),
      ...(showHistory ? { history: this.engine.store.getHistory(instanceId) } : {}),
      showHistoryOutput: isTrue(query.get('showHistoryOutput'), false),
    });
    if (isTerminal(instance.runtimeStatus)) {
      const failedAsError =
        instance.runtimeStatus === 'Failed' && isTrue(query.get('returnInternalServerErrorOnFailure'), false);
      send(res, failedAsError ? 500 : 200, body);
      return;
    }
    const location = `${this.baseUrl()}/instances/${encodeURIComponent(instanceId)}${url.search}`;
    // The extension asks pollers to wait 5 s on a status query (10 s on the start response).
    send(res, 202, body, { Location: location, 'Retry-After': '5' });
  }

  #list(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const filter = parseFilter(query);
    const { top, token } = pageRequest(req, query);
    let after: [number, string] | undefined;
    if (token && token !== 'null') {
      try {
        after = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [number, string];
        if (!Array.isArray(after) || typeof after[0] !== 'number' || typeof after[1] !== 'string')
          throw new Error();
      } catch {
        throw new BadDurableRequestError(
          'The x-ms-continuation-token header is not a token this API returned.',
        );
      }
    }
    const rows = this.engine.store.listInstances(filter, top + 1, after);
    const page = rows.slice(0, top);
    const headers: Record<string, string> = {};
    const last = page[page.length - 1];
    if (rows.length > top && last) {
      headers['x-ms-continuation-token'] = Buffer.from(
        JSON.stringify([last.createdAt, last.instanceId]),
      ).toString('base64url');
    }
    // OrchestrationStatusQueryCondition.ShowInput defaults to true in the extension.
    const showInput = isTrue(query.get('showInput'), true);
    send(
      res,
      200,
      page.map((row) => instanceStatusBody(row, { showInput })),
      headers,
    );
  }
}
