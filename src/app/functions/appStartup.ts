import { app } from '@azure/functions';
import { getConfig } from '../config.js';
import { ConfigError } from '../errors/ConfigError.js';

/**
 * Checks every app setting once when the app starts. A bad setting is reported as one clear log line
 * naming it; the host keeps running so HTTP callers get a BAD_CONFIG answer instead of silence.
 */
export function validateConfigAtStartup(
  log: (line: string) => void = (line) => console.error(line),
): boolean {
  try {
    getConfig();
    return true;
  } catch (error) {
    if (error instanceof ConfigError) {
      log(`mediaferry cannot run jobs: ${error.message}`);
      return false;
    }
    log(`mediaferry cannot run jobs: configuration check failed: ${String(error)}`);
    return false;
  }
}

app.hook.appStart(() => {
  validateConfigAtStartup();
});
