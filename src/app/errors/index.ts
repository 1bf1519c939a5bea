export * from './AciOperationError.js';
export * from './classifyAciError.js';
export * from './ConfigError.js';
export * from './HostStorageNotConfiguredError.js';
export * from './HttpError.js';
export * from './JobFailedError.js';
export * from './SigningKeyUnavailableError.js';
export * from '../../shared/errors/MediaferryError.js';
