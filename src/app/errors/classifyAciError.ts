import { AciOperationError } from './AciOperationError.js';

/** What the classification needs to know about the call that failed. */
export interface AciCallContext {
  /** Priority the group was requested with; capacity refusals on Spot mean "fall back to Regular". */
  priority?: 'Regular' | 'Spot';
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  details?: unknown;
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'REQUEST_SEND_ERROR',
]);
const CAPACITY_CODES = new Set([
  'ServiceUnavailable',
  'InsufficientCapacity',
  'SkuNotAvailable',
  'ResourceNotAvailable',
  'ContainerGroupDeploymentCapacityExceeded',
]);
const TERMINAL_NOT_FOUND_CODES = new Set(['ResourceGroupNotFound', 'SubscriptionNotFound']);

/** Azure's error code and message: the SDK puts them on the RestError and in `details.error`. */
function armError(err: ErrorLike): { code: string | undefined; message: string } {
  const body = err.details as { error?: { code?: unknown; message?: unknown } } | undefined;
  const inner = typeof body === 'object' && body !== null ? body.error : undefined;
  const code =
    typeof inner?.code === 'string' ? inner.code : typeof err.code === 'string' ? err.code : undefined;
  const message =
    typeof inner?.message === 'string' && inner.message
      ? inner.message
      : typeof err.message === 'string' && err.message
        ? err.message
        : 'no message';
  return { code, message };
}

/**
 * Turns whatever an ARM call threw (RestError, network error, identity error) into one
 * AciOperationError whose `kind` says what the caller should do next.
 */
export function classifyAciError(error: unknown, context: AciCallContext = {}): AciOperationError {
  if (error instanceof AciOperationError) return error;
  const err: ErrorLike = typeof error === 'object' && error !== null ? (error as ErrorLike) : {};
  const status = typeof err.statusCode === 'number' ? err.statusCode : undefined;
  const { code, message } = armError(err);
  const text = `${code ?? ''} ${message}`;
  const make = (kind: ConstructorParameters<typeof AciOperationError>[0], fallback: string) =>
    new AciOperationError(kind, code ?? fallback, message, status);

  if (err.name === 'CredentialUnavailableError')
    return new AciOperationError('terminal', 'CredentialUnavailable', message, status);
  if (/quota/i.test(text)) return make('quota', 'QuotaExceeded');
  if (context.priority === 'Spot' && (/spot/i.test(text) || (code !== undefined && CAPACITY_CODES.has(code))))
    return make('spot', 'SpotUnavailable');
  if (code === 'ContainerGroupTransitioning') return make('retryable', code);
  if (code !== undefined && CAPACITY_CODES.has(code)) return make('retryable', code);
  if (status === 404)
    return code !== undefined && TERMINAL_NOT_FOUND_CODES.has(code)
      ? make('terminal', code)
      : make('notFound', 'ResourceNotFound');
  if (status === 408 || status === 429 || (status !== undefined && status >= 500))
    return make('retryable', `Http${status}`);
  if (status !== undefined && status >= 400) return make('terminal', `Http${status}`);
  if (code !== undefined && TRANSIENT_NETWORK_CODES.has(code)) return make('retryable', code);
  // Anything else (a dropped connection without a code, an LRO failure) may well pass on a second try.
  return make('retryable', 'UnexpectedError');
}
