import * as df from 'durable-functions';

function retryPolicy(firstMs: number, attempts: number, maxMs: number): df.RetryOptions {
  const options = new df.RetryOptions(firstMs, attempts);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = maxMs;
  return options;
}

/** Retries for activities that throw only transient failures (throttling, 5xx, transitioning, capacity). */
export const JOB_RETRY_POLICIES = {
  /** 5 attempts over about 2 minutes. */
  create: retryPolicy(5_000, 5, 60_000),
  /** A failed look is simply retried at the next liveness poll, so few attempts. */
  inspect: retryPolicy(5_000, 3, 20_000),
  /** 6 attempts over about 5 minutes; the janitor covers what still fails. */
  cleanup: retryPolicy(10_000, 6, 120_000),
} as const;
