// End-to-end job benchmark on the local stack: orchestration overhead against the bare work, the
// time from the worker's final report to its group's deletion, and N concurrent jobs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../emulator/azurite/startAzurite.js';
import { LOCAL_IDS } from '../emulator/stack/startLocalStack.js';
import { containerGroupName } from '../src/shared/naming.js';
import { openBenchStack, trustedBenchCertificate } from './benchStack.js';

const run = promisify(execFile);
const SEQUENTIAL_RUNS = Number(process.env.JOB_BENCH_RUNS ?? 5);
const CONCURRENCY = (process.env.JOB_BENCH_CONCURRENCY ?? '10,50').split(',').map(Number);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** RSS of this process and all its descendants (host, emulators' containers: yt-dlp, ffmpeg, workers). */
function treeRssMiB(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0);
      rss.set(Number(entry), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while being read.
    }
  }
  let totalKb = 0;
  const queue = [root];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    totalKb += rss.get(pid) ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return totalKb / 1024;
}

const certificate = trustedBenchCertificate();
const bench = await openBenchStack('job', certificate);
const { fixtures, media, proxy } = bench;
const workDir = mkdtempSync(join(tmpdir(), 'mediaferry-job-bench-bare-'));
// When each group's DELETE reached the ACI emulator, sampled from its request log every 5 ms.
const deleteSeenAt = new Map<string, number>();
let seenRequests = 0;
const deleteSampler = setInterval(() => {
  const requests = bench.stack?.aci.requests ?? [];
  for (; seenRequests < requests.length; seenRequests++) {
    const r = requests[seenRequests]!;
    const group = /\/containerGroups\/([^/]+)$/.exec(r.path)?.[1];
    if (r.method === 'DELETE' && group && !deleteSeenAt.has(group)) deleteSeenAt.set(group, Date.now());
  }
}, 5);

try {
  const stack = await bench.start({ settings: { LIVENESS_POLL_SECONDS: '2' } });
  const host = stack.hostOrigin;
  const source = media.url(fixtures.progressiveMp4);
  const blobs = new BlobServiceClient(
    stack.azurite.blobEndpoint,
    new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY),
  ).getContainerClient(LOCAL_IDS.mediaContainer);

  // Slowest answer of the status endpoint while jobs run: under load it is the first thing to suffer.
  let slowestStatusMs = 0;
  let statusTimeouts = 0;
  const statusOf = async (uri: string) => {
    for (;;) {
      const asked = performance.now();
      try {
        const response = await fetch(uri, { signal: AbortSignal.timeout(60_000) });
        const body = (await response.json()) as { runtimeStatus: string; customStatus: unknown };
        slowestStatusMs = Math.max(slowestStatusMs, performance.now() - asked);
        return body;
      } catch (error) {
        if ((error as Error).name !== 'TimeoutError') throw error;
        statusTimeouts++;
      }
    }
  };
  const submitAndWait = async (): Promise<{ id: string; ms: number }> => {
    const started = performance.now();
    const response = await fetch(`${host}/api/orchestrator_httpstart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: source }),
    });
    const body = (await response.json()) as { id: string; statusQueryGetUri: string };
    if (response.status !== 202) throw new Error(`submit answered ${response.status}`);
    const giveUpAt = Date.now() + 900_000;
    for (;;) {
      const status = await statusOf(body.statusQueryGetUri);
      if (status.runtimeStatus === 'Completed') return { id: body.id, ms: performance.now() - started };
      if (['Failed', 'Terminated'].includes(status.runtimeStatus))
        throw new Error(
          `job ${body.id} ended ${status.runtimeStatus}: ${JSON.stringify(status.customStatus)}`,
        );
      if (Date.now() > giveUpAt) throw new Error(`job ${body.id} still ${status.runtimeStatus} after 15 min`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  // The bare work: yt-dlp to a file and one blob upload, on the same input.
  const bare: number[] = [];
  for (let i = 0; i < SEQUENTIAL_RUNS; i++) {
    const file = join(workDir, `bare-${i}.mp4`);
    const started = performance.now();
    await run('yt-dlp', ['--no-progress', '--quiet', '-o', file, source]);
    await blobs.getBlockBlobClient(`bench/bare-${i}.mp4`).uploadFile(file);
    bare.push(performance.now() - started);
  }

  await submitAndWait(); // warm-up: first compile of the app's code paths, token caches
  const endToEnd: { id: string; ms: number }[] = [];
  for (let i = 0; i < SEQUENTIAL_RUNS; i++) endToEnd.push(await submitAndWait());

  const finishedToDeleted = (ids: string[]) =>
    ids.flatMap((id) => {
      const reported = proxy.forwarded.find(
        (f) => f.instanceId === id && f.eventName === 'JobFinished' && f.statuses.includes(202),
      );
      const deleted = deleteSeenAt.get(containerGroupName(id));
      return reported && deleted ? [deleted - reported.receivedAt] : [];
    });
  const sequentialGaps = finishedToDeleted(endToEnd.map((j) => j.id));

  const concurrent: {
    n: number;
    wallMs: number;
    peakMiB: number;
    ok: number;
    gaps: number[];
    slowestStatusMs: number;
  }[] = [];
  for (const n of CONCURRENCY) {
    slowestStatusMs = 0;
    let peak = treeRssMiB(process.pid);
    const sampler = setInterval(() => (peak = Math.max(peak, treeRssMiB(process.pid))), 250);
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: n }, submitAndWait));
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    const ok = results.filter((r) => r.status === 'fulfilled');
    for (const r of results) if (r.status === 'rejected') console.error(String(r.reason));
    concurrent.push({
      n,
      wallMs,
      peakMiB: peak,
      ok: ok.length,
      gaps: finishedToDeleted(ok.map((r) => r.value.id)),
      slowestStatusMs,
    });
  }

  const e2eMs = endToEnd.map((j) => j.ms);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}`);
  console.log(
    `input: ${fixtures.durationSeconds} s 640x360 H.264/AAC MP4 from 127.0.0.1; ${SEQUENTIAL_RUNS} sequential runs each`,
  );
  console.log('');
  console.log('                                   median      p95');
  console.log(
    `bare work (yt-dlp + 1 upload)     ${seconds(percentile(bare, 50)).padStart(8)} ${seconds(percentile(bare, 95)).padStart(8)}`,
  );
  console.log(
    `end-to-end job (submit → Done)    ${seconds(percentile(e2eMs, 50)).padStart(8)} ${seconds(percentile(e2eMs, 95)).padStart(8)}`,
  );
  console.log(
    `overhead ratio (e2e / bare)       ${(percentile(e2eMs, 50) / percentile(bare, 50)).toFixed(2).padStart(8)}x`,
  );
  console.log(
    `JobFinished → group DELETE        ${seconds(percentile(sequentialGaps, 50)).padStart(8)} ${seconds(percentile(sequentialGaps, 95)).padStart(8)}   (sequential jobs, n=${sequentialGaps.length})`,
  );
  console.log('');
  console.log(
    'concurrent jobs   wall time   all succeeded   peak RSS (whole tree)   JobFinished → DELETE p50 / p95   slowest status answer',
  );
  for (const c of concurrent)
    console.log(
      `${String(c.n).padStart(15)}   ${seconds(c.wallMs).padStart(9)}   ${`${c.ok}/${c.n}`.padStart(13)}   ${`${c.peakMiB.toFixed(0)} MiB`.padStart(21)}   ${`${seconds(percentile(c.gaps, 50))} / ${seconds(percentile(c.gaps, 95))}`.padEnd(30)}   ${seconds(c.slowestStatusMs)}`,
    );
  console.log('');
  console.log(
    "JobFinished: when the worker's final report reached a recording proxy in front of the app (the",
  );
  console.log(
    "app accepted it, 202). DELETE: when the ACI emulator's request log first showed the group's DELETE",
  );
  console.log('(sampled every 5 ms). The e2e time includes polling the status endpoint every 100 ms.');
  if (statusTimeouts > 0) console.log(`status queries that took over 60 s (asked again): ${statusTimeouts}`);
  if (concurrent.some((c) => c.ok !== c.n)) process.exitCode = 1;
} finally {
  clearInterval(deleteSampler);
  await bench.close();
  rmSync(workDir, { recursive: true, force: true });
}
