export * from './AciOperationError.js';
export * from './classifyAciError.js';
export * from './JobFailedError.js';
export * from '../../shared/errors/MediaferryError.js';
