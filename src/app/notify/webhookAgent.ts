import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * The one place webhook delivery gets its connection agent from, so the connection-time egress guard
 * (which checks the address actually dialled, not just the URL's name) plugs in here alone.
 */
export function createWebhookAgent(url: URL): HttpAgent {
  return url.protocol === 'https:'
    ? new HttpsAgent({ keepAlive: false })
    : new HttpAgent({ keepAlive: false });
}
