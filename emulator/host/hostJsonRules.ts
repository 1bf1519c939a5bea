import { HostError } from './HostError.js';

/** Flex Consumption (the plan the Bicep deploys) stops a function after 30 minutes unless host.json says otherwise. */
export const PLAN_DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Checks what the Functions host itself refuses to start without: a host.json that exists must
 * carry `"version": "2.0"` (the host's own messages, so a fix found for Azure applies here).
 */
export function validateHostJsonVersion(hostJson: Record<string, unknown>, path: string): void {
  const version = hostJson['version'];
  if (version === undefined) {
    throw new HostError(
      'InvalidHostJson',
      `The host.json file (${path}) is missing the required 'version' property. ` +
        'See https://aka.ms/functions-hostjson for steps to migrate the configuration file.',
    );
  }
  if (version !== '2.0') {
    throw new HostError(
      'InvalidHostJson',
      `'${String(version)}' is an invalid value for host.json 'version' property. This value must be '2.0'.`,
    );
  }
}

/**
 * `functionTimeout` from host.json in milliseconds: "hh:mm:ss" (also "d.hh:mm:ss"), -1 for no limit
 * (returned as undefined), the plan's default when unset.
 */
export function functionTimeoutOf(hostJson: Record<string, unknown>): number | undefined {
  const value = hostJson['functionTimeout'];
  if (value === undefined || value === null) return PLAN_DEFAULT_FUNCTION_TIMEOUT_MS;
  if (value === -1 || value === '-1') return undefined;
  const match =
    typeof value === 'string' ? /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value) : null;
  if (!match) {
    throw new HostError(
      'InvalidHostJson',
      `host.json functionTimeout '${String(value)}' is not a time span: use "hh:mm:ss" (for example "00:10:00") or -1.`,
    );
  }
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms =
    ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
    Number(seconds) * 1000 +
    Math.round(Number(`0.${fraction ?? 0}`) * 1000);
  if (ms <= 0) {
    throw new HostError('InvalidHostJson', `host.json functionTimeout '${value}' must be longer than zero.`);
  }
  return ms;
}

/** "hh:mm:ss" as the host prints a TimeSpan in its timeout message. */
export function formatTimeSpan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const hours = Math.floor(totalSeconds / 3600);
  const days = Math.floor(hours / 24);
  const clock = `${pad(hours % 24)}:${pad(Math.floor(totalSeconds / 60) % 60)}:${pad(totalSeconds % 60)}`;
  return days > 0 ? `${days}.${clock}` : clock;
}
