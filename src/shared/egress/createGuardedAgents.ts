import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkEgressAddress, normaliseHost, type EgressPolicy } from './addressPolicy.js';
import { resolveCheckedAddresses, systemResolver, type HostResolver } from './resolveCheckedAddress.js';
import { SourceAddressBlockedError } from './SourceAddressBlockedError.js';

/**
 * A `lookup` for net/tls/http that resolves once and fails with SourceAddressBlockedError unless
 * every address is allowed for `port`. The socket then connects to an address that was checked.
 */
export function createGuardedLookup(
  policy: EgressPolicy,
  port: number,
  resolve: HostResolver = systemResolver,
): LookupFunction {
  return (hostname, options, callback) => {
    resolveCheckedAddresses(hostname, port, policy, resolve).then(
      (addresses) => {
        if (options.all) return callback(null, addresses);
        const [first] = addresses as [(typeof addresses)[number]];
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

type ConnectionCallback = (error: Error | null, socket: Duplex) => void;

/** Literal addresses skip `lookup` in net.connect, so they are checked here before any socket exists. */
function guardedConnectionOptions(
  options: http.ClientRequestArgs,
  defaultPort: number,
  policy: EgressPolicy,
  resolve: HostResolver,
): http.ClientRequestArgs {
  const host = normaliseHost(options.host ?? options.hostname ?? 'localhost');
  const port = Number(options.port ?? defaultPort);
  if (isIP(host)) {
    const verdict = checkEgressAddress(host, host, port, policy);
    if (!verdict.allowed) throw new SourceAddressBlockedError(host, port, verdict.reason);
  }
  return { ...options, lookup: createGuardedLookup(policy, port, resolve) };
}

export interface GuardedAgents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * http and https agents whose every connection is checked against the egress policy after name
 * resolution, for the app's own outbound calls (webhook delivery). Redirects are not followed by
 * Node, so each hop a caller follows goes through the check again.
 */
export function createGuardedAgents(
  policy: EgressPolicy,
  options: { resolve?: HostResolver; keepAlive?: boolean } = {},
): GuardedAgents {
  const resolve = options.resolve ?? systemResolver;
  const agentOptions = { keepAlive: options.keepAlive ?? false };

  class GuardedHttpAgent extends http.Agent {
    override createConnection(
      request: http.ClientRequestArgs,
      callback?: ConnectionCallback,
    ): Duplex | undefined {
      let guarded: http.ClientRequestArgs;
      try {
        guarded = guardedConnectionOptions(request, 80, policy, resolve);
      } catch (error) {
        callback?.(error as Error, undefined as unknown as Duplex);
        return undefined;
      }
      return super.createConnection(guarded, callback) ?? undefined;
    }
  }
  class GuardedHttpsAgent extends https.Agent {
    override createConnection(
      request: http.ClientRequestArgs,
      callback?: ConnectionCallback,
    ): Duplex | undefined {
      let guarded: http.ClientRequestArgs;
      try {
        guarded = guardedConnectionOptions(request, 443, policy, resolve);
      } catch (error) {
        callback?.(error as Error, undefined as unknown as Duplex);
        return undefined;
      }
      return super.createConnection(guarded, callback) ?? undefined;
    }
  }
  return { http: new GuardedHttpAgent(agentOptions), https: new GuardedHttpsAgent(agentOptions) };
}
