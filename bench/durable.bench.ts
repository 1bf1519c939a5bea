// Throughput of the local durable engine: N chaining orchestrations × M activities through a real host process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestJson, startDurableHostProcess } from '../test/emulator/durable/support/durableHostProcess.js';

const ORCHESTRATIONS = Number(process.env.DURABLE_BENCH_ORCHESTRATIONS ?? 300);
const ACTIVITIES = Number(process.env.DURABLE_BENCH_ACTIVITIES ?? 5);

function rssMiB(pid: number): number {
  const status = execFileSync('cat', [`/proc/${pid}/status`]).toString();
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const dataDir = mkdtempSync(join(tmpdir(), 'durable-bench-'));
const host = await startDurableHostProcess({ dataDir });
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(host.pid))), 100);
try {
  const api = (path: string) => `${host.origin}/runtime/webhooks/durabletask/${path}`;
  const names = Array.from({ length: ACTIVITIES }, (_, i) => `n${i}`);
  const started = performance.now();
  for (let i = 0; i < ORCHESTRATIONS; i++) {
    const response = await requestJson(api(`orchestrators/chaining/bench-${i}`), {
      method: 'POST',
      body: names,
    });
    if (response.status !== 202) throw new Error(`start failed: ${response.status}`);
  }
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const done = await requestJson(
      api(`instances?runtimeStatus=Completed&instanceIdPrefix=bench-&top=${ORCHESTRATIONS}`),
    );
    if ((done.body as unknown[]).length === ORCHESTRATIONS) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  const failed = await requestJson(api('instances?runtimeStatus=Failed'));
  if ((failed.body as unknown[]).length > 0) throw new Error('some orchestrations failed');
  peakRss = Math.max(peakRss, rssMiB(host.pid));
  console.log(`orchestrations:            ${ORCHESTRATIONS} × ${ACTIVITIES} sequential activities`);
  console.log(`wall time:                 ${seconds.toFixed(2)} s`);
  console.log(`orchestrations per second: ${(ORCHESTRATIONS / seconds).toFixed(1)}`);
  console.log(
    `per-activity overhead:     ${((seconds * 1000) / (ORCHESTRATIONS * ACTIVITIES)).toFixed(2)} ms (wall time / activities, all concurrent)`,
  );
  console.log(`host peak RSS:             ${peakRss.toFixed(0)} MiB`);
} finally {
  clearInterval(sampler);
  await host.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
