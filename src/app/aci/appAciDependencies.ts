import type { AciActivityDependencies } from './aciActivityDependencies.js';
import { getConfig } from '../config.js';
import { createAciClient } from './createAciClient.js';

let cached: AciActivityDependencies | undefined;

/** The app's ARM client and jobs resource group, built once per process from the settings. */
export function appAciDependencies(): AciActivityDependencies {
  if (!cached) {
    const config = getConfig();
    cached = { aci: createAciClient(config), resourceGroup: config.jobsResourceGroup };
  }
  return cached;
}
