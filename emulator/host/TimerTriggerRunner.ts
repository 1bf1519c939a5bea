import type { RegisteredFunction, TypedData } from './extension.js';
import { resolveSettingReferences } from './localSettings.js';
import { parseTimerSchedule, type TimerSchedule } from './timerSchedule.js';

/** setTimeout cannot wait longer than this; longer waits are taken in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

type InvokeTimer = (fn: RegisteredFunction, data: TypedData, reason: string) => Promise<unknown>;

/**
 * Fires timer-triggered functions on their schedule. Like the Functions host, one timer never
 * overlaps itself: the next occurrence is computed after an invocation finishes. `useMonitor` (the
 * schedule monitor in storage) is ignored locally, so missed occurrences are not reported past due.
 */
export class TimerTriggerRunner {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<Promise<unknown>>();
  #stopped = false;

  constructor(private readonly invoke: InvokeTimer) {}

  /** Parses every schedule first, so one bad schedule fails start-up before anything fires. */
  static schedulesOf(
    functions: readonly RegisteredFunction[],
    env: NodeJS.ProcessEnv,
  ): Map<string, TimerSchedule> {
    const schedules = new Map<string, TimerSchedule>();
    for (const fn of functions) {
      schedules.set(
        fn.name,
        parseTimerSchedule(resolveSettingReferences(String(fn.trigger['schedule'] ?? ''), env)),
      );
    }
    return schedules;
  }

  start(fn: RegisteredFunction, schedule: TimerSchedule): void {
    let last: Date | undefined;
    const fire = (reason: string, due: Date): void => {
      if (this.#stopped) return;
      const next = schedule.nextAfter(new Date(Math.max(Date.now(), due.getTime())));
      const status = {
        Last: (last ?? due).toISOString(),
        Next: next.toISOString(),
        LastUpdated: new Date().toISOString(),
      };
      last = due;
      const data: TypedData = {
        json: JSON.stringify({
          Schedule: { AdjustForDST: true },
          ScheduleStatus: status,
          IsPastDue: Date.now() - due.getTime() > 1000 && reason === 'Timer fired',
        }),
      };
      const run = this.invoke(fn, data, reason).finally(() => {
        this.#running.delete(run);
        scheduleNext();
      });
      this.#running.add(run);
    };
    const scheduleNext = (): void => {
      if (this.#stopped) return;
      const due = schedule.nextAfter(new Date());
      const wait = (): void => {
        const remaining = due.getTime() - Date.now();
        if (remaining > MAX_TIMEOUT_MS) {
          this.#timers.set(fn.name, setTimeout(wait, MAX_TIMEOUT_MS));
        } else {
          this.#timers.set(
            fn.name,
            setTimeout(() => fire('Timer fired', due), Math.max(0, remaining)),
          );
        }
      };
      wait();
    };
    if (fn.trigger['runOnStartup'] === true)
      fire('This function was programmatically called via the host APIs.', new Date());
    else scheduleNext();
  }

  /** Stops scheduling and waits (bounded) for invocations already running. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#running]),
      new Promise((resolve) => {
        deadline = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(deadline);
  }
}
