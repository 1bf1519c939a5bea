export { startFunctionHost, loadDefaultExtensions } from './startFunctionHost.js';
export type { FunctionHostOptions, RunningFunctionHost } from './startFunctionHost.js';
export { HostError } from './HostError.js';
export type { HostErrorCode } from './HostError.js';
export type * from './extension.js';
