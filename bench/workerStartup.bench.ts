// Worker start-up: from process start to the first byte yt-dlp asks the source for, for the bundled
// worker as the image runs it (node dist/worker/main.mjs, with the yt-dlp version the image records
// at build time), the same without that record (the worker then starts yt-dlp once just to ask its
// version), and yt-dlp started by hand on the same URL, side by side in one run. The difference to
// yt-dlp alone is what the worker adds before a download begins.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorkerTestBed } from '../test/worker/support/workerTestBed.js';

const ROUNDS = Number(process.env.STARTUP_BENCH_ROUNDS ?? 5);
const BUNDLE = join(import.meta.dirname, '..', 'dist', 'worker', 'main.mjs');
const YTDLP =
  process.env.YTDLP_PATH ?? (existsSync('/usr/local/bin/yt-dlp') ? '/usr/local/bin/yt-dlp' : 'yt-dlp');

if (!existsSync(BUNDLE)) {
  console.error(`${BUNDLE} is missing; run npm run build first (npm run bench does).`);
  process.exit(1);
}

const bed = await startWorkerTestBed();
const url = bed.media.url(bed.fixtures.progressiveMp4);
const versionFile = join(bed.workRoot, 'yt-dlp.version');
writeFileSync(versionFile, execFileSync(YTDLP, ['--version'], { encoding: 'utf8' }));

/** Starts a process and resolves with the ms from spawn to the media server's first request for it. */
async function firstByteAfter(command: string, args: string[], env: Record<string, string | undefined>) {
  const before = bed.media.requests.length;
  const clean: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
  };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) clean[name] = value;
  const started = Date.now();
  const child = spawn(command, args, { env: clean, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const deadline = started + 60_000;
  while (bed.media.requests.length === before && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 2));
  const first = bed.media.requests[before];
  await exited;
  if (!first) throw new Error(`${command} asked the source for nothing within 60 s`);
  return first.at - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  const image: number[] = [];
  const asking: number[] = [];
  const bare: number[] = [];
  // Interleaved rounds, so all three see the same machine load.
  for (let round = 0; round < ROUNDS; round++) {
    const env = { YTDLP_PATH: YTDLP };
    image.push(
      await firstByteAfter(
        process.execPath,
        [BUNDLE],
        bed.env(url, { ...env, MF_YTDLP_VERSION_FILE: versionFile }),
      ),
    );
    asking.push(await firstByteAfter(process.execPath, [BUNDLE], bed.env(url, env)));
    bare.push(await firstByteAfter(YTDLP, ['--ignore-config', '--no-playlist', '-o', '-', url], {}));
  }
  const [i, a, b] = [median(image), median(asking), median(bare)];
  console.log(`rounds: ${ROUNDS}, source: ${url}`);
  console.log(`worker as the image runs it  → first source request: p50 ${i} ms  (all: ${image.join(', ')})`);
  console.log(
    `worker asking yt-dlp --version → first source request: p50 ${a} ms  (all: ${asking.join(', ')})`,
  );
  console.log(`yt-dlp alone                 → first source request: p50 ${b} ms  (all: ${bare.join(', ')})`);
  console.log(
    `worker (image) / yt-dlp alone: ${(i / b).toFixed(2)}x, adding ${i - b} ms before a download begins`,
  );
  console.log(`recorded version / asking: ${(i / a).toFixed(2)}x (${a - i} ms saved per job)`);
} finally {
  await bed.stop();
}
