import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every fault the reliability suite injects, and what a user should see. docs/reliability.md lists these. */
export const FAULT_CASES = {
  workerCrash: {
    fault: 'Worker crashes: exits 3 without a report',
    expected:
      'Failed CONTAINER_EXITED within one liveness poll plus the 20 s exit-report grace; group deleted',
  },
  workerHang: {
    fault: 'Worker hangs and never reports',
    expected: 'Failed TIMEOUT at JOB_DEADLINE_MINUTES; group deleted, worker process gone',
  },
  duplicateReport: {
    fault: "The worker's JobFinished arrives twice",
    expected: 'One result, one blob; the repeat is ignored (202 while cleaning up, else 410)',
  },
  cancelMidUpload: {
    fault: 'Job canceled while its worker has written part of its outputs',
    expected:
      'Canceled within seconds; no worker process, no container group and no blob under the job prefix',
  },
  lateReport: {
    fault: 'A report arrives after the deadline failed the job',
    expected: '410 JOB_FINISHED; the job stays Failed TIMEOUT',
  },
  throttledCreate: {
    fault: 'ACI answers 429 (Retry-After) and then 409 no capacity, then accepts',
    expected: 'Job completes; create retried, once per refusal',
  },
  quotaFull: {
    fault: 'Container quota full; freed when another job finishes',
    expected: 'The waiting job completes after the running one; both succeed',
  },
  imagePull: {
    fault: 'Image cannot be pulled (InaccessibleImage)',
    expected: 'Failed InaccessibleImage, not retryable; one PUT, no retry storm; group deleted',
  },
  deleteTransient: {
    fault: 'Deleting the group fails (409 ContainerGroupTransitioning) twice',
    expected: 'Delete retried until the group is gone; job completes',
  },
  hostKilled: {
    fault: 'Functions host killed with SIGKILL mid-download, then restarted',
    expected: 'Job completes exactly once: one blob, no orphan group',
  },
  appDownAtReport: {
    fault: 'The app is down when the worker reports',
    expected: "The worker's retries deliver the report after the restart; job completes",
  },
  janitor: {
    fault:
      'Orphan container groups (unknown, finished, terminated and outlived instances) next to a running job',
    expected: "Janitor deletes the orphans, keeps the running job's and a young unknown group",
  },
} as const;

export type FaultCaseId = keyof typeof FAULT_CASES;

/** Where each case leaves its row when MEDIAFERRY_WRITE_RELIABILITY_REPORT=1 (scripts/reliability-report.mjs reads them). */
export const MATRIX_ROWS_DIR =
  process.env.MEDIAFERRY_RELIABILITY_ROWS ?? join(tmpdir(), 'mediaferry-reliability-rows');

/** Records what a case observed, as one row of the reliability matrix. */
export function recordObserved(id: FaultCaseId, observed: string): void {
  if (process.env.MEDIAFERRY_WRITE_RELIABILITY_REPORT !== '1') return;
  mkdirSync(MATRIX_ROWS_DIR, { recursive: true });
  writeFileSync(
    join(MATRIX_ROWS_DIR, `${id}.json`),
    JSON.stringify({ id, ...FAULT_CASES[id], observed, recordedAt: new Date().toISOString() }),
  );
}
