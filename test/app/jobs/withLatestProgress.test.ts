import { describe, expect, it } from 'vitest';
import { withLatestProgress, type JobProgressRecord } from '../../../src/app/jobs/jobProgressLog.js';

const record = (attempt: number, percent: number): JobProgressRecord => ({
  attempt,
  progress: { phase: 'Downloading', percent, detail: `${percent}%` },
  receivedAt: '2026-03-01T10:00:00.000Z',
});

describe('what readers show as a running job’s progress', () => {
  it('shows the recorded percent over the orchestration’s, in the same phase', () => {
    expect(withLatestProgress({ phase: 'Downloading', percent: 1 }, record(1, 63.5))).toEqual({
      phase: 'Downloading',
      percent: 63.5,
      detail: '63.5%',
    });
  });

  it('shows the recorded phase before the orchestration has heard of it', () => {
    expect(withLatestProgress({ phase: 'Provisioning' }, record(1, 2))).toMatchObject({
      phase: 'Downloading',
      percent: 2,
    });
  });

  it('ignores a report of an earlier attempt', () => {
    const custom = { phase: 'Provisioning' as const, attempt: 2 };
    expect(withLatestProgress(custom, record(1, 90))).toEqual(custom);
    expect(withLatestProgress({ phase: 'Downloading', attempt: 2 }, record(2, 5))).toEqual({
      phase: 'Downloading',
      attempt: 2,
      percent: 5,
      detail: '5%',
    });
  });

  it('keeps the orchestration’s own status once it cleans up or is done, and when nothing was recorded', () => {
    const cleaning = { phase: 'CleaningUp' as const, error: { code: 'X', message: 'm', retryable: false } };
    expect(withLatestProgress(cleaning, record(1, 50))).toEqual(cleaning);
    expect(withLatestProgress({ phase: 'Done', percent: 100 }, record(1, 50))).toEqual({
      phase: 'Done',
      percent: 100,
    });
    expect(withLatestProgress({ phase: 'Uploading', percent: 7 }, undefined)).toEqual({
      phase: 'Uploading',
      percent: 7,
    });
  });
});
