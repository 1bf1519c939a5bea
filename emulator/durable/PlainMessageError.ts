import { DurableEngineError } from './durableErrors.js';

/**
 * An error the Durable extension answers with a bare JSON string body rather than an object, so
 * the durable-functions client (which reads `response.data` as the message) reports it readably.
 * The stable code travels in the `x-ms-error-code` header instead.
 */
export class PlainMessageError extends DurableEngineError {
  constructor(code: string, message: string, httpStatus: number, retryable = false) {
    super(code, message, httpStatus, retryable);
  }

  static from(error: DurableEngineError): PlainMessageError {
    return new PlainMessageError(error.code, error.message, error.httpStatus, error.retryable);
  }
}

/** Purging an instance that has not finished: nothing is deleted and the caller is told why. */
export class InstanceNotFinishedError extends PlainMessageError {
  constructor(instanceId: string, runtimeStatus: string) {
    super(
      'InstanceNotFinished',
      `The orchestration instance '${instanceId}' is ${runtimeStatus}; only a completed, failed or ` +
        'terminated instance can be purged. Terminate it first, or wait for it to finish.',
      412,
    );
  }
}

/** Rewind applies to Failed instances only, as in the extension. */
export class RewindNotFailedError extends PlainMessageError {
  constructor(instanceId: string, runtimeStatus: string) {
    super(
      'RewindNotFailed',
      `The rewind operation is only supported on failed orchestration instances; '${instanceId}' is ${runtimeStatus}.`,
      412,
    );
  }
}
