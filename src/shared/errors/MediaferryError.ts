/**
 * Base of the app's typed errors: a stable code a user or script can match on, a message a user can
 * act on, and whether submitting the same work again later could succeed.
 */
export abstract class MediaferryError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
}
