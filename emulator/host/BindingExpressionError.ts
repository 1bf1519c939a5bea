/**
 * A binding's path could not be resolved for one invocation (a `{name}` with no value, a `%setting%`
 * that is not set), with the Functions host's own wording. Retrying with the same input fails the
 * same way.
 */
export class BindingExpressionError extends Error {
  readonly code = 'BindingExpressionUnresolved';
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = 'InvalidOperationException';
  }
}
