import { request as httpRequest, type Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { checkSourceUrl } from '../../shared/sourceUrlPolicy.js';
import { createWebhookAgent } from './webhookAgent.js';

export interface DeliverWebhookInput {
  url: string;
  /** The `webhook-id`: one per event, the same on every retry so receivers can deduplicate. */
  eventId: string;
  /** The exact JSON body that is signed and sent. */
  body: string;
}

export type DeliverWebhookOutcome =
  | { delivered: true; status: number }
  /** `retryable: false` when no retry can change the answer (the URL is refused by policy). */
  | { delivered: false; status: number | null; retryable: boolean; code: string; message: string };

export interface DeliverWebhookDependencies {
  secret: () => Promise<string>;
  allowPrivateSources: boolean;
  agentFor?: (url: URL) => Agent;
  now?: () => Date;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * One delivery attempt: signs the body per Standard Webhooks and POSTs it. Redirects are answers, not
 * followed (a 3xx is a failed attempt), so a receiver cannot bounce the request to another address.
 * Never throws: the notification orchestration decides on retries from the outcome.
 */
export async function deliverWebhook(
  input: DeliverWebhookInput,
  deps: DeliverWebhookDependencies,
): Promise<DeliverWebhookOutcome> {
  const verdict = checkSourceUrl(input.url, { allowPrivateSources: deps.allowPrivateSources });
  if (!verdict.ok || !verdict.url)
    return {
      delivered: false,
      status: null,
      retryable: false,
      code: verdict.problem ?? 'INVALID_URL',
      message: verdict.message ?? 'The webhook URL is not allowed.',
    };
  const url = new URL(verdict.url);
  const timestamp = (deps.now ?? (() => new Date()))();
  const signature = new Webhook(await deps.secret()).sign(input.eventId, timestamp, input.body);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(input.body)),
    'user-agent': 'mediaferry-webhooks/1',
    'webhook-id': input.eventId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signature,
  };
  try {
    const status = await post(url, headers, input.body, (deps.agentFor ?? createWebhookAgent)(url), deps);
    if (status >= 200 && status < 300) return { delivered: true, status };
    return {
      delivered: false,
      status,
      retryable: true,
      code: 'WEBHOOK_REJECTED',
      message: `The receiver answered ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}.`,
    };
  } catch (error) {
    return {
      delivered: false,
      status: null,
      retryable: true,
      code: 'WEBHOOK_UNREACHABLE',
      message: `The receiver could not be reached: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  agent: Agent,
  deps: DeliverWebhookDependencies,
): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, { method: 'POST', headers, agent }, (response) => {
      // Only the status matters; drain the body so the socket is released.
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.setTimeout(deps.timeoutMs ?? DEFAULT_TIMEOUT_MS, () =>
      request.destroy(new Error(`no answer within ${deps.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)),
    );
    request.on('error', reject);
    request.end(body);
  });
}
