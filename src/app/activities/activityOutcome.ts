import type { AciOperationError } from '../errors/AciOperationError.js';

/**
 * A failure the orchestrator must decide on. Durable activity errors reach the orchestrator only as
 * text, so non-retryable failures are returned as data; only retryable ones are thrown (to be retried).
 */
export interface ActivityFailure {
  ok: false;
  kind: 'quota' | 'spot' | 'terminal';
  code: string;
  message: string;
}

export function activityFailure(error: AciOperationError): ActivityFailure {
  const kind = error.kind === 'quota' || error.kind === 'spot' ? error.kind : 'terminal';
  return { ok: false, kind, code: error.code, message: error.detail };
}
