import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody, sendJson } from '../shared/http.js';
import type { HostExtension, HostLogLevel } from './extension.js';
import type { httpRoutesInMatchOrder } from './functionCatalog.js';
import type { FunctionInvoker } from './FunctionInvoker.js';
import { LocalAppServiceAuth } from './appServiceAuth.js';
import { checkLoopbackRequest } from './loopbackRequestGuard.js';
import {
  httpTriggerMetadata,
  toRpcHttpRequest,
  writeRpcHttpResponse,
  type RpcHttpResponse,
} from './rpcHttp.js';

/** Largest request body accepted, like the Functions front end's limit. */
const MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;

type HttpRoute = ReturnType<typeof httpRoutesInMatchOrder>[number];

export interface HostRequestHandlerOptions {
  /** False while starting or stopping: every request gets a 503. */
  isReady: () => boolean;
  /** HTTP-triggered functions in match order; known once the app is loaded. */
  routes: () => readonly HttpRoute[];
  /** Extensions, whose webhooks are served under /runtime/webhooks/<name>. */
  extensions: readonly HostExtension[];
  invoker: FunctionInvoker;
  log: (level: HostLogLevel, message: string) => void;
  /** The host's own address, for a request without a Host header. */
  fallbackHost: () => string;
  /** The port the host listens on; requests addressed to another host or port are refused. */
  port: () => number;
}

/**
 * The host's HTTP front door: extension webhooks, HTTP-triggered functions by route, the host's
 * own status pages, and its errors as `{ error: { code, message } }`.
 */
export function createHostRequestHandler(
  options: HostRequestHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { isReady, routes, extensions, invoker, log, fallbackHost, port } = options;
  const auth = new LocalAppServiceAuth();
  return (req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      log(
        'error',
        `Request ${req.method} ${req.url} failed in the host: ${(error as Error)?.stack ?? String(error)}`,
      );
      if (!res.headersSent) sendError(res, 500, 'HostError', 'The local host failed to handle the request.');
      else res.destroy();
    });
  };

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = checkLoopbackRequest(req, port(), new URL(req.url ?? '/', 'http://host').pathname);
    if (refusal) {
      sendError(res, refusal.status, refusal.code, refusal.message);
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? fallbackHost()}`);
    if (!isReady()) {
      sendError(res, 503, 'HostStarting', 'The host is starting or stopping; retry shortly.');
      return;
    }
    if (await auth.handle(req, res, url)) return;
    const webhook = /^\/runtime\/webhooks\/([^/]+)(\/.*)?$/i.exec(url.pathname);
    if (webhook) {
      const extension = extensions.find(
        (candidate) => candidate.name.toLowerCase() === webhook[1]?.toLowerCase(),
      );
      if (!extension?.handleWebhook) {
        sendError(res, 404, 'WebhookNotFound', `No extension serves /runtime/webhooks/${webhook[1] ?? ''}.`);
        return;
      }
      await extension.handleWebhook(req, res, (webhook[2] ?? '/').replace(/^\//, ''), url);
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    let matched: { entry: HttpRoute; params: Record<string, string> } | undefined;
    for (const entry of routes()) {
      if (!entry.driver.methods.includes(method)) continue;
      const params = entry.driver.route.match(url.pathname);
      if (params) {
        matched = { entry, params };
        break;
      }
    }
    if (!matched) {
      if (url.pathname === '/' && (method === 'GET' || method === 'HEAD')) {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Your Functions 4.0 app is up and running (mediaferry local host).\n');
      } else if (url.pathname.toLowerCase() === '/admin/host/status' && method === 'GET') {
        sendJson(res, 200, { state: 'Running', version: '4.x (mediaferry local host)' });
      } else {
        // Like the real host, a known route with another method is also a 404.
        sendError(res, 404, 'RouteNotFound', `No function serves ${method} ${url.pathname}.`);
      }
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, MAX_REQUEST_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      sendError(res, error.status, error.code, error.message);
      return;
    }
    const { fn } = matched.entry;
    auth.applyPrincipalHeaders(req);
    const http = toRpcHttpRequest(req, url, matched.params, body);
    const outcome = await invoker.invoke(
      fn,
      { data: { http }, metadata: httpTriggerMetadata(http) },
      `This function was programmatically called via the host APIs.`,
    );
    if (outcome.error) {
      sendError(
        res,
        500,
        'FunctionInvocationFailed',
        `Function "${fn.name}" failed (invocation ${outcome.invocationId}); see the host log.`,
      );
      return;
    }
    const returned = outcome.response?.returnValue as { http?: RpcHttpResponse } | undefined;
    const httpOutput =
      returned?.http ??
      (
        outcome.response?.outputData?.find(
          (output) => fn.bindings[output.name]?.type.toLowerCase() === 'http',
        )?.data as { http?: RpcHttpResponse } | undefined
      )?.http;
    writeRpcHttpResponse(res, httpOutput);
  }
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}
