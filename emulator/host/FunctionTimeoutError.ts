import { formatTimeSpan } from './hostJsonRules.js';

/**
 * An invocation ran past host.json's functionTimeout. The message is the one the Functions host
 * gives (Microsoft.Azure.WebJobs.Host.FunctionTimeoutException), so the same failure reads the same
 * locally and in Azure. Retrying runs the same code against the same limit.
 */
export class FunctionTimeoutError extends Error {
  readonly code = 'FunctionTimeout';
  readonly retryable = false;

  constructor(functionName: string, timeoutMs: number) {
    super(
      `Timeout value of ${formatTimeSpan(timeoutMs)} was exceeded by function: Functions.${functionName}`,
    );
    this.name = 'FunctionTimeoutException';
  }
}
