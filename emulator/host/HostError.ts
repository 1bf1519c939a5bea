import { EmulatorError } from '../shared/EmulatorError.js';

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
  | 'BindingNotSupported'
  | 'InvalidCommandLine';

/**
 * A failure of the local Functions host itself, with a stable code; `retryable` says whether starting
 * again without changing the app or its settings could succeed.
 */
export class HostError extends EmulatorError {
  declare readonly code: HostErrorCode;

  constructor(code: HostErrorCode, message: string, retryable = false, options?: { cause?: unknown }) {
    super(500, code, message, retryable, options);
  }
}
