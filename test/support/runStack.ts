import {
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
} from '../../emulator/stack/startLocalStack.js';
import { repoRoot } from './repoRoot.js';

/**
 * The composed local stack of this checkout for one test or benchmark run: the host on a free port,
 * blobs in memory, state in `dataDir`, the run's own certificate. No test runner needed (benchmarks
 * use it too).
 */
export function startRunStack(
  options: Required<Pick<LocalStackOptions, 'dataDir' | 'certificate'>> &
    Pick<LocalStackOptions, 'settings' | 'aci'>,
): Promise<LocalStack> {
  return startLocalStack({ appDir: repoRoot, hostPort: 0, inMemoryStorage: true, ...options });
}
