export * from './addressPolicy.js';
export * from './createGuardedAgents.js';
export * from './resolveCheckedAddress.js';
export * from './SourceAddressBlockedError.js';
export * from './startEgressProxy.js';
export * from './upstreamProxy.js';
