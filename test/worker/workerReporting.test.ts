import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobProgressSchema, jobResultSchema, type JobFailed } from '../../src/shared/contracts.js';
import { runWorkerProcess, startWorker } from './support/runWorkerProcess.js';
import { CALLBACK_TOKEN, startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';

let bed: WorkerTestBed;
beforeAll(async () => {
  bed = await startWorkerTestBed();
});
afterAll(() => bed?.stop());
afterEach(async () => {
  bed.media.clearBehaviours();
  bed.callback.answerNormally();
  await bed.callback.acceptConnections();
});

/** Resolves once `predicate` holds, polling; fails after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pids of every process descending from `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const found: number[] = [];
  const visit = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== p) continue;
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('worker reports to the job callback', { timeout: 120_000 }, () => {
  it('sends rate-limited progress events while downloading, each a valid JobProgress', async () => {
    bed.media.setBehaviour(bed.fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 250_000 });
    const before = bed.callback.attempts.length;
    const { code, logs } = await runWorkerProcess(bed.env(bed.media.url(bed.fixtures.progressiveMp4)));
    expect(code, logs).toBe(0);
    const progress = bed.callback.attempts.slice(before).filter((a) => a.eventName === 'JobProgress');
    for (const event of progress) expect(jobProgressSchema.safeParse(event.body).success).toBe(true);
    const downloading = progress.filter((a) => (a.body as { phase: string }).phase === 'Downloading');
    // About 3 s of download at one event per second: a handful, not yt-dlp's dozens of lines.
    expect(downloading.length).toBeGreaterThanOrEqual(2);
    expect(downloading.length).toBeLessThanOrEqual(8);
    // At most one event per second. Arrival times jitter on a busy machine, so bound the count over
    // the span they arrived in (one extra event of slack) rather than each gap.
    const spanMs = downloading.at(-1)!.at - downloading[0]!.at;
    expect(downloading.length).toBeLessThanOrEqual(Math.floor(spanMs / 1000) + 2);
    const phases = new Set(progress.map((a) => (a.body as { phase: string }).phase));
    expect(phases).toEqual(new Set(['Downloading', 'Processing', 'Uploading']));
    expect(logs).not.toContain(CALLBACK_TOKEN);
  });

  it('retries the result through 503s and delivers it exactly once', async () => {
    bed.callback.answerWith(503, { count: 2, eventName: 'JobFinished', headers: { 'Retry-After': '1' } });
    const before = bed.callback.attempts.length;
    const { code, logs } = await runWorkerProcess(bed.env(bed.media.url(bed.fixtures.progressiveMp4)));
    expect(code, logs).toBe(0);
    const finished = bed.callback.attempts.slice(before).filter((a) => a.eventName === 'JobFinished');
    expect(finished.map((a) => a.status)).toEqual([503, 503, 202]);
    expect(jobResultSchema.parse(finished[2]!.body).status).toBe('Succeeded');
  });

  it('keeps retrying while the callback refuses connections and delivers once it is back', async () => {
    await bed.callback.refuseConnections();
    const before = bed.callback.attempts.length;
    const worker = startWorker(bed.env(bed.media.url(bed.fixtures.progressiveMp4)));
    await until(
      () => worker.logs().includes('result report attempt 2 failed'),
      60_000,
      'two failed attempts',
    );
    await bed.callback.acceptConnections();
    const { code, logs } = await worker.exited;
    expect(code, logs).toBe(0);
    const finished = bed.callback.attempts.slice(before).filter((a) => a.eventName === 'JobFinished');
    expect(finished).toHaveLength(1);
    expect(finished[0]!.status).toBe(202);
  });

  it('exits non-zero when the result cannot be delivered before the report deadline', async () => {
    bed.callback.answerWith(503, { eventName: 'JobFinished' });
    const { code, logs } = await runWorkerProcess(
      bed.env(bed.media.url(bed.fixtures.htmlWithoutMedia), { MF_REPORT_DEADLINE_SECONDS: '3' }),
    );
    expect(code, logs).toBe(3);
    expect(logs).toMatch(/giving up reporting the result/);
  });

  it('stops retrying and exits 4 when the app answers 410 (the job already finished)', async () => {
    bed.callback.answerWith(410, { eventName: 'JobFinished' });
    const before = bed.callback.attempts.length;
    const { code } = await runWorkerProcess(bed.env(bed.media.url(bed.fixtures.htmlWithoutMedia)));
    expect(code).toBe(4);
    expect(bed.callback.attempts.slice(before).filter((a) => a.eventName === 'JobFinished')).toHaveLength(1);
  });

  it('stops downloading as soon as the app answers 410 to a progress event', async () => {
    // About 35 s to download at this rate: the worker must give up long before.
    bed.media.setBehaviour(bed.fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 20_000 });
    bed.callback.answerWith(410);
    const started = Date.now();
    const { code, logs } = await runWorkerProcess(bed.env(bed.media.url(bed.fixtures.progressiveMp4)));
    expect(code, logs).toBe(4);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(logs).toMatch(/already finished \(HTTP 410\); stopping/);
    expect(bed.leftoverWorkDirs()).toEqual([]);
  });

  it('does not retry a result the app rejects as unauthorised', async () => {
    const before = bed.callback.attempts.length;
    const { code } = await runWorkerProcess(
      bed.env(bed.media.url(bed.fixtures.htmlWithoutMedia), {
        MF_CALLBACK_TOKEN: 'a-wrong-token-of-enough-length',
      }),
    );
    expect(code).toBe(3);
    const finished = bed.callback.attempts.slice(before).filter((a) => a.eventName === 'JobFinished');
    expect(finished.map((a) => a.status)).toEqual([401]);
  });

  it('on SIGTERM while retrying the result, gives up within seconds instead of the full deadline', async () => {
    bed.callback.answerWith(503, { eventName: 'JobFinished' });
    const worker = startWorker(
      bed.env(bed.media.url(bed.fixtures.htmlWithoutMedia), { MF_REPORT_DEADLINE_SECONDS: '600' }),
    );
    await until(() => worker.logs().includes('result report attempt 1 failed'), 60_000, 'a failed attempt');
    const stoppedAt = Date.now();
    worker.child.kill('SIGTERM');
    const { code, logs } = await worker.exited;
    expect(code, logs).toBe(3);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
  });

  it('on SIGTERM mid-download stops yt-dlp, removes its temp dir and reports CANCELLED', async () => {
    bed.media.setBehaviour(bed.fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 20_000 });
    const before = bed.callback.attempts.length;
    const worker = startWorker(bed.env(bed.media.url(bed.fixtures.progressiveMp4)));
    await until(
      () =>
        bed.callback.attempts
          .slice(before)
          .some(
            (a) => a.eventName === 'JobProgress' && (a.body as { phase: string }).phase === 'Downloading',
          ),
      60_000,
      'download progress',
    );
    const children = descendants(worker.child.pid!);
    expect(children.length).toBeGreaterThan(0);
    expect(bed.leftoverWorkDirs()).toHaveLength(1);
    worker.child.kill('SIGTERM');
    const { code, logs } = await worker.exited;
    expect(code, logs).toBe(143);
    expect(children.filter(alive)).toEqual([]);
    expect(bed.leftoverWorkDirs()).toEqual([]);
    const finished = bed.callback.attempts.slice(before).filter((a) => a.eventName === 'JobFinished');
    expect(finished).toHaveLength(1);
    expect((jobResultSchema.parse(finished[0]!.body) as JobFailed).error).toMatchObject({
      code: 'CANCELLED',
    });
  });
});

describe('worker configuration', { timeout: 60_000 }, () => {
  it('reports BAD_CONFIG naming the missing and invalid settings, and exits non-zero', async () => {
    const before = bed.callback.attempts.length;
    const env = bed.env('unused', { MF_SOURCE_URL: undefined, MF_MAX_BYTES: 'lots' });
    const { code, logs } = await runWorkerProcess(env);
    expect(code).toBe(2);
    const finished = bed.callback.attempts.slice(before).filter((a) => a.eventName === 'JobFinished');
    expect(finished).toHaveLength(1);
    const { error } = jobResultSchema.parse(finished[0]!.body) as JobFailed;
    expect(error).toMatchObject({ code: 'BAD_CONFIG', retryable: false });
    expect(error.message).toMatch(/MF_SOURCE_URL is missing/);
    expect(error.message).toMatch(/MF_MAX_BYTES is invalid/);
    expect(logs).toMatch(/MF_SOURCE_URL is missing/);
    expect(logs).not.toMatch(/^\s+at /m);
    expect(logs).not.toContain(CALLBACK_TOKEN);
  });

  it('explains BAD_CONFIG in its log and exits non-zero when even the callback is unusable', async () => {
    const { code, logs } = await runWorkerProcess({ MF_CALLBACK_TOKEN: 'short' });
    expect(code).toBe(2);
    expect(logs).toMatch(/MF_CALLBACK_URL is missing/);
    expect(logs).toMatch(/MF_CALLBACK_TOKEN is invalid/);
    expect(logs).toMatch(/cannot be reported/);
    expect(logs).not.toMatch(/^\s+at /m);
  });
});
