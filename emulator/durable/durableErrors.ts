import { EmulatorError } from '../shared/EmulatorError.js';

/**
 * Errors of the local durable engine. Each carries a stable code, the HTTP status the webhook API
 * answers with, and whether retrying the same request could help.
 */
export class DurableEngineError extends EmulatorError {
  constructor(code: string, message: string, httpStatus: number, retryable = false) {
    super(httpStatus, code, message, retryable);
  }

  /** The status the webhook API answers with (the same as `status`). */
  get httpStatus(): number {
    return this.status;
  }
}

export class InstanceNotFoundError extends DurableEngineError {
  constructor(instanceId: string) {
    super(
      'InstanceNotFound',
      `No orchestration instance with id '${instanceId}' exists in this task hub.`,
      404,
    );
  }
}

export class InstanceAlreadyFinishedError extends DurableEngineError {
  constructor(instanceId: string, runtimeStatus: string) {
    super(
      'InstanceFinished',
      `The orchestration instance '${instanceId}' is ${runtimeStatus}; it no longer accepts this operation.`,
      410,
    );
  }
}

export class InstanceAlreadyExistsError extends DurableEngineError {
  constructor(instanceId: string, runtimeStatus: string) {
    super(
      'InstanceExists',
      `An orchestration instance with id '${instanceId}' already exists and is ${runtimeStatus}.`,
      409,
    );
  }
}

export class OrchestratorNotFoundError extends DurableEngineError {
  constructor(name: string) {
    super(
      'OrchestratorNotFound',
      `The function '${name}' does not exist or is not an orchestrator function.`,
      400,
    );
  }
}

export class BadDurableRequestError extends DurableEngineError {
  constructor(message: string) {
    super('BadRequest', message, 400);
  }
}

/** A signal names an entity function the app does not have. */
export class EntityFunctionNotFoundError extends DurableEngineError {
  constructor(name: string) {
    super(
      'EntityFunctionNotFound',
      `The app has no entity function named '${name}'; register it with df.app.entity('${name}', ...).`,
      404,
    );
  }
}

/** Features the Azure extension has but this local engine does not (entities, durable HTTP, rewind). */
export class NotSupportedLocallyError extends DurableEngineError {
  constructor(feature: string) {
    super('NotSupportedLocally', `${feature} is not supported by the local durable engine.`, 501);
  }
}

/** The orchestrator's actions on replay disagree with the history already recorded. */
export class NonDeterministicOrchestrationError extends DurableEngineError {
  constructor(instanceId: string, detail: string) {
    super(
      'NonDeterministicOrchestration',
      `Non-deterministic workflow detected in instance '${instanceId}': ${detail}. ` +
        'Orchestrator code must make the same calls in the same order on every replay.',
      500,
    );
  }
}
