import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { AsyncOperation } from './aciModel.js';
import { ArmError } from './armError.js';

/** How long a finished operation can still be polled; bounds the records of a long-running stack. */
export const OPERATION_RETENTION_MS = 15 * 60_000;

/** ARM async operations (the Azure-AsyncOperation links a client polls) and their retention. */
export class AsyncOperations {
  readonly #operations = new Map<string, AsyncOperation>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get(id: string): AsyncOperation {
    const found = this.#operations.get(id);
    if (!found) throw new ArmError(404, 'OperationNotFound', `The operation '${id}' was not found.`);
    return found;
  }

  begin(): string {
    const id = randomUUID();
    this.#operations.set(id, { id, status: 'InProgress', startTime: this.#isoNow() });
    return id;
  }

  /** Ends the operation (failed when `error` is given) and forgets those finished too long ago. */
  finish(id: string, error: { code: string; message: string } | undefined): void {
    const operation = this.#operations.get(id);
    if (!operation) return;
    operation.status = error ? 'Failed' : 'Succeeded';
    operation.endTime = this.#isoNow();
    if (error) operation.error = error;
    const cutoff = this.#clock.now() - OPERATION_RETENTION_MS;
    for (const [key, op] of this.#operations)
      if (op.endTime && Date.parse(op.endTime) < cutoff) this.#operations.delete(key);
  }

  #isoNow(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}
