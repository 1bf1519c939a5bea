import { MediaferryError } from '../errors/MediaferryError.js';
import type { EgressRefusalReason } from './addressPolicy.js';

/**
 * A connection the egress policy refused. The message names the host the client asked for, never
 * the address it resolved to, so a refusal cannot be used to map an internal network.
 */
export class SourceAddressBlockedError extends MediaferryError {
  override readonly name = 'SourceAddressBlockedError';
  readonly code = 'SOURCE_ADDRESS_BLOCKED';
  readonly retryable = false;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly reason: EgressRefusalReason,
  ) {
    super(
      reason === 'UNSUPPORTED_SCHEME'
        ? `Connections to ${host} are refused: only http and https sources may be fetched.`
        : reason === 'FORBIDDEN_ADDRESS'
          ? `Connections to ${host} are refused: it is a link-local, metadata or platform address, which no job may reach.`
          : `Connections to ${host} are refused: it is on a loopback or private network, and only public sources are allowed.`,
    );
  }
}
