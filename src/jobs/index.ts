export * from './contracts.js';
export * from './errorCodes.js';
export * from './naming.js';
export * from './sourceUrlPolicy.js';
export * from './workerEnvironment.js';
