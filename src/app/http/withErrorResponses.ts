import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { ConfigError } from '../errors/ConfigError.js';
import { HttpError } from '../errors/HttpError.js';
import { errorResponse } from './jsonResponse.js';

/** The 500 a caller sees when the app's settings are invalid: it names the settings, never their values. */
export function badConfigError(error: ConfigError): HttpError {
  const settings = error.problems.map((p) => p.setting);
  return new HttpError(
    500,
    'BAD_CONFIG',
    `The app is misconfigured; fix these settings: ${settings.join(', ')}.`,
    { retryable: false, extra: { settings } },
  );
}

/**
 * Runs a handler and turns what it throws into a JSON error response: HttpError as given, an invalid
 * configuration as BAD_CONFIG, anything else as INTERNAL (logged here; the caller sees no details).
 */
export async function withErrorResponses(
  context: InvocationContext,
  handler: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await handler();
  } catch (error) {
    if (error instanceof HttpError) return errorResponse(error);
    if (error instanceof ConfigError) {
      context.error(error.message);
      return errorResponse(badConfigError(error));
    }
    context.error(`Unexpected error in ${context.functionName}:`, error);
    return errorResponse(
      new HttpError(500, 'INTERNAL', 'An unexpected error occurred; see the app logs.', { retryable: true }),
    );
  }
}
