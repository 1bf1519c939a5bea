import { getConfig, type AppConfig } from '../config.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { ActivityFailure } from './activityOutcome.js';

/**
 * The limits one job runs under, read once and then kept in the orchestration's history, so a
 * replay on a host whose settings changed meanwhile still takes the same decisions.
 */
export interface JobSettings {
  aciPriority: 'Regular' | 'Spot';
  jobDeadlineMinutes: number;
  livenessPollSeconds: number;
  /**
   * Wait rounds per generation before the orchestration continues as new; absent in histories
   * recorded before the setting existed (the orchestrator then uses its default).
   */
  livenessRoundsPerGeneration?: number;
  quotaWaitMinutes: number;
  keepFailedGroups: boolean;
  /** The source policy and media location the orchestrator checks its input and the report against. */
  allowPrivateSources: boolean;
  /** `host:port` entries allowed although private (ALLOWED_PRIVATE_SOURCES). */
  allowedPrivateSources?: string[];
  mediaBlobEndpoint: string;
  mediaContainer: string;
}

export type LoadJobSettingsOutcome = { ok: true; settings: JobSettings } | ActivityFailure;

export function loadJobSettings(readConfig: () => AppConfig = getConfig): LoadJobSettingsOutcome {
  try {
    const config = readConfig();
    return {
      ok: true,
      settings: {
        aciPriority: config.aciPriority,
        jobDeadlineMinutes: config.jobDeadlineMinutes,
        livenessPollSeconds: config.livenessPollSeconds,
        livenessRoundsPerGeneration: config.livenessRoundsPerGeneration,
        quotaWaitMinutes: config.quotaWaitMinutes,
        keepFailedGroups: config.keepFailedGroups,
        allowPrivateSources: config.allowPrivateSources,
        allowedPrivateSources: config.allowedPrivateSources,
        mediaBlobEndpoint: config.mediaBlobEndpoint,
        mediaContainer: config.mediaContainer,
      },
    };
  } catch (error) {
    if (error instanceof ConfigError)
      return { ok: false, kind: 'terminal', code: error.code, message: error.message };
    throw error;
  }
}
