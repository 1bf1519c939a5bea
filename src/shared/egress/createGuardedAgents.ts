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

  return {
    http: guardConnections(new http.Agent(agentOptions), 80, policy, resolve),
    https: guardConnections(new https.Agent(agentOptions), 443, policy, resolve),
  };
}

/** Makes every connection of `agent` go through the guarded lookup, refusing before any socket exists. */
function guardConnections<A extends http.Agent>(
  agent: A,
  defaultPort: number,
  policy: EgressPolicy,
  resolve: HostResolver,
): A {
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = (request: http.ClientRequestArgs, callback?: ConnectionCallback) => {
    let guarded: http.ClientRequestArgs;
    try {
      guarded = guardedConnectionOptions(request, defaultPort, policy, resolve);
    } catch (error) {
      callback?.(error as Error, undefined as unknown as Duplex);
      return undefined;
    }
    return connect(guarded, callback) ?? undefined;
  };
  return agent;
}
