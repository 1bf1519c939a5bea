export * from './contracts.js';
export * from './errors/errorCodes.js';
export * from './naming.js';
export * from './sourceUrlPolicy.js';
export * from './workerEnvironment.js';
export * from './jobCallbackUrl.js';
