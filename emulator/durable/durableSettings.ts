/** The durable settings read from host.json (`extensions.durableTask`) with `%SETTING%` resolved. */
export interface DurableSettings {
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
}

const DEFAULT_HUB_NAME = 'TestHubName';

function positiveIntegerOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Replaces `%NAME%` with the app setting NAME, as the Functions host does for host.json values. */
export function resolveAppSettingReference(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/%([^%]+)%/g, (whole, name: string) => env[name] ?? whole);
}

export function readDurableSettings(
  hostJson: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  hubNameOverride?: string,
): DurableSettings {
  const extensions = (hostJson.extensions ?? {}) as Record<string, unknown>;
  const durableTask = (extensions.durableTask ?? {}) as Record<string, unknown>;
  const cores = 2;
  let hubName =
    hubNameOverride ?? (typeof durableTask.hubName === 'string' ? durableTask.hubName : DEFAULT_HUB_NAME);
  hubName = resolveAppSettingReference(hubName, env);
  if (hubName.includes('%')) hubName = DEFAULT_HUB_NAME;
  return {
    hubName,
    // The extension's defaults are 10 × processor count for both.
    maxConcurrentActivityFunctions: positiveIntegerOr(durableTask.maxConcurrentActivityFunctions, 10 * cores),
    maxConcurrentOrchestratorFunctions: positiveIntegerOr(
      durableTask.maxConcurrentOrchestratorFunctions,
      10 * cores,
    ),
  };
}
