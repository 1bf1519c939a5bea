import { CronExpressionParser } from 'cron-parser';
import { HostError } from './HostError.js';

export interface TimerSchedule {
  /** The schedule as resolved from the binding (after `%SETTING%` substitution). */
  readonly text: string;
  /** The first occurrence strictly after `after`. */
  nextAfter(after: Date): Date;
}

/**
 * Parses a timer trigger schedule: a six-field NCRONTAB expression (`{second} {minute} {hour} {day}
 * {month} {day-of-week}`, UTC like the Functions default) or a TimeSpan interval `hh:mm:ss`.
 */
export function parseTimerSchedule(text: string): TimerSchedule {
  const trimmed = text.trim();
  const interval = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(trimmed);
  if (interval) {
    const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = interval;
    const periodMs =
      (((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
    if (periodMs <= 0) throw invalid(text, 'the interval must be longer than zero');
    return { text: trimmed, nextAfter: (after) => new Date(after.getTime() + periodMs) };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 6) {
    throw invalid(
      text,
      `an NCRONTAB expression has six fields ({second} {minute} {hour} {day} {month} {day-of-week}); this one has ${fields.length}`,
    );
  }
  try {
    CronExpressionParser.parse(trimmed, { tz: 'UTC', strict: false });
  } catch (error) {
    throw invalid(text, (error as Error).message);
  }
  return {
    text: trimmed,
    nextAfter(after) {
      return CronExpressionParser.parse(trimmed, { currentDate: after, tz: 'UTC' }).next().toDate();
    },
  };
}

function invalid(text: string, reason: string): HostError {
  return new HostError('InvalidTimerSchedule', `Timer schedule "${text}" is invalid: ${reason}.`);
}
