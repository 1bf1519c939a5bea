export * from './AciOperationError.js';
export * from './classifyAciError.js';
export * from './JobFailedError.js';
export * from './MediaferryError.js';
