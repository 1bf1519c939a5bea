import type { OrchestrationContext, TimerTask } from 'durable-functions';

// Small steps every orchestrator here takes the same way.

/** Warns once: not again when the orchestration replays. */
export function logOnce(context: OrchestrationContext, message: string): void {
  if (!context.df.isReplaying) context.warn(message);
}

export function cancelUnfired(...timers: TimerTask[]): void {
  for (const timer of timers) if (!timer.isCompleted && !timer.isCanceled) timer.cancel();
}

/** `seconds` after `date` (orchestrations take their time from currentUtcDateTime). */
export function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}
