import type { LocalIdentity } from '../../emulator/identity/localTokenIssuer.js';
import {
  startIdentityEndpoint,
  type RunningIdentityEndpoint,
} from '../../emulator/identity/startIdentityEndpoint.js';

interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Starts an identity endpoint that knows `identities`, then the services `start` starts with it. The
 * answer's `stop` stops them all (each even if another fails to stop), then runs `cleanUp`.
 */
export async function withIdentityEndpoint<Services extends Record<string, Stoppable>>(
  identities: LocalIdentity[],
  start: (identity: RunningIdentityEndpoint) => Promise<Services>,
  cleanUp: () => void = () => undefined,
): Promise<Services & { identity: RunningIdentityEndpoint; stop(): Promise<void> }> {
  const identity = await startIdentityEndpoint({ identities });
  let services: Services;
  try {
    services = await start(identity);
  } catch (error) {
    await identity.stop();
    cleanUp();
    throw error;
  }
  return {
    ...services,
    identity,
    async stop() {
      await Promise.allSettled([
        ...Object.values(services).map((service) => service.stop()),
        identity.stop(),
      ]);
      cleanUp();
    },
  };
}
