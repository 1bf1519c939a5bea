import type { HistoryEvent } from './historyEvent.js';
import type { OrchestratorState } from './orchestratorAction.js';

/** Marks the orchestrator state the library appends to the message of a failed orchestration. */
export const OUT_OF_PROC_DATA_LABEL = '$OutOfProcData$:';
/** Larger than any timer an app will ask for, so the library never splits timers into sub-timers. */
export const MAXIMUM_SHORT_TIMER_DURATION = '36500.00:00:00';

/** The orchestrationTrigger payload the Azure extension sends for one episode. */
export interface OrchestratorTriggerPayload {
  history: HistoryEvent[];
  input: unknown;
  instanceId: string;
  isReplaying: boolean;
  parentInstanceId: string | null;
  upperSchemaVersion: number;
  upperSchemaVersionNew: number;
  longRunningTimerIntervalDuration: string;
  maximumShortTimerDuration: string;
  defaultHttpAsyncRequestSleepTimeMillseconds: number;
}

export function orchestratorTriggerPayload(episode: {
  history: HistoryEvent[];
  input: unknown;
  instanceId: string;
  parentInstanceId: string | null;
  isReplaying?: boolean;
}): OrchestratorTriggerPayload {
  return {
    history: episode.history,
    input: episode.input,
    instanceId: episode.instanceId,
    isReplaying: episode.isReplaying ?? false,
    parentInstanceId: episode.parentInstanceId,
    upperSchemaVersion: 1,
    // V4: the schema in which the library offers critical sections (context.df.lock).
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: MAXIMUM_SHORT_TIMER_DURATION,
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
}

/**
 * Reads the error of a failed orchestrator invocation: the library throws with its state appended
 * after OUT_OF_PROC_DATA_LABEL; `state` is absent when the error came from elsewhere.
 */
export function readOrchestratorFailure(message: string): {
  errorMessage: string;
  state?: OrchestratorState;
} {
  const at = message.indexOf(OUT_OF_PROC_DATA_LABEL);
  if (at < 0) return { errorMessage: message };
  const state = JSON.parse(message.slice(at + OUT_OF_PROC_DATA_LABEL.length)) as OrchestratorState;
  return { errorMessage: state.error ?? message.slice(0, at).trim(), state };
}

/** Inputs that the library already JSON-encoded (strings) travel as they are; others are encoded here. */
export function encodedInput(input: unknown): string | null {
  return typeof input === 'string' ? input : input === undefined ? null : JSON.stringify(input);
}

/** JSON text as stored in history and instance rows back to a value; text that is not JSON stays text. */
export function parseJsonText(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
