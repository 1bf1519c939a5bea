/** Stable codes for the local host's own failures (not the app's). */
export type HostErrorCode =
  | 'AppNotFound'
  | 'AppEntryPointMissing'
  | 'AppEntryPointNoFiles'
  | 'AppLoadFailed'
  | 'NoFunctionsRegistered'
  | 'DuplicateFunction'
  | 'InvalidRouteTemplate'
  | 'InvalidLocalSettings'
  | 'InvalidHostJson'
  | 'InvalidTimerSchedule'
  | 'UnsupportedAppFeature'
  | 'ExtensionConflict'
  | 'ExtensionLoadFailed'
  | 'FunctionNotFound'
  | 'InvalidCommandLine';

/**
 * A failure of the local Functions host itself, with a stable code; `retryable` says whether starting
 * again without changing the app or its settings could succeed.
 */
export class HostError extends Error {
  override readonly name = 'HostError';

  constructor(
    readonly code: HostErrorCode,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
