import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobSucceededSchema, type JobSucceeded } from '../../src/shared/contracts.js';
import type { OutputPresetName } from '../../src/shared/outputSpecs.js';
import { describeResult, progressLine, waitForJob } from './jobStatus.js';
import { makeSampleClip, serveFolder } from './sampleMedia.js';
import { startLocalStack } from './startLocalStack.js';

/**
 * The demo: brings the local stack up, makes a short clip and serves it on loopback, submits it
 * exactly as the README's curl does, shows live progress, prints the result, and stops everything.
 */
export async function runDemo(options: {
  appDir: string;
  port?: number;
  /** Ask for a preset's outputs (e.g. the streaming ladder) instead of one MP4. */
  preset?: OutputPresetName;
}): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const workDir = mkdtempSync(join(tmpdir(), 'mediaferry-demo-'));
  out('Starting the local stack (Azurite, managed identity, ACI emulator, Functions + Durable host)...');
  const stack = await startLocalStack({ appDir: options.appDir, hostPort: options.port ?? 7071 });
  const media = await serveFolder(workDir);
  try {
    out(`Function app: ${stack.hostOrigin}`);
    out('Making a 5 s sample clip with ffmpeg...');
    const clip = await makeSampleClip(workDir);
    const sourceUrl = media.urlFor(clip);
    const startUrl = `${stack.hostOrigin}/api/orchestrator_httpstart`;
    const json = options.preset ? JSON.stringify({ url: sourceUrl, preset: options.preset }) : undefined;
    out(
      json
        ? `\n$ curl -X POST ${startUrl} -H 'content-type: application/json' -d '${json}'`
        : `\n$ curl -X POST ${startUrl} -d "${sourceUrl}"`,
    );
    // Exactly what curl -d sends: the URL as a form-encoded body (or the JSON request).
    const response = await fetch(startUrl, {
      method: 'POST',
      headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
      body: json ?? sourceUrl,
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as Record<string, unknown>;
    out(JSON.stringify(body, null, 2));
    if (response.status !== 202 || typeof body.statusQueryGetUri !== 'string')
      throw new Error(`The starter answered HTTP ${response.status}`);

    out(`\nPolling ${body.statusQueryGetUri}`);
    let shown = '';
    const tty = process.stdout.isTTY === true;
    const status = await waitForJob(body.statusQueryGetUri, {
      timeoutMs: 5 * 60_000,
      onStatus: (s) => {
        const line = progressLine(s);
        if (line === shown) return;
        shown = line;
        if (tty) process.stdout.write(`\r\x1b[2K${line}`);
        else out(line);
      },
    });
    if (tty) out('');
    out(`\nJob ${status.instanceId}: ${status.runtimeStatus}`);
    if (status.runtimeStatus !== 'Completed') {
      out(`Reason: ${JSON.stringify(status.customStatus?.error ?? status.output)}`);
      return 1;
    }
    const result = jobSucceededSchema.parse(status.output);
    for (const line of describeResult(result)) out(line);
    if (options.preset) for (const line of describeOutputKinds(result)) out(line);
    const leftover = stack.aci.runningProcesses();
    out(`Container groups still running: ${leftover.length}`);
    return 0;
  } finally {
    out('\nStopping the local stack...');
    await media.close();
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** What each output of a preset job holds: ladder rungs, tile grid, frame count, languages. */
function describeOutputKinds(result: JobSucceeded): string[] {
  const lines = ['', 'Outputs:'];
  for (const o of result.outputs) {
    const facts = [
      o.rungs
        ?.map((r) => `${r.name} ${r.width}x${r.height} @ ${Math.round(r.bandwidth / 1000)} kb/s`)
        .join(', '),
      o.tile
        ? `${o.tile.count} tiles of ${o.tile.width}x${o.tile.height}, every ${o.tile.everySeconds} s`
        : undefined,
      o.trackBlobName ? `track ${o.trackBlobName}` : undefined,
      o.kind === 'thumbnail' && o.width ? `${o.width}x${o.height}` : undefined,
      o.frameCount !== undefined ? `${o.frameCount} frames` : undefined,
      o.languages ? `languages ${o.languages.join(', ')}` : undefined,
    ].filter(Boolean);
    lines.push(`  ${(o.kind ?? 'mp4').padEnd(10)} ${o.blobName} (${o.files ?? 1} files, ${o.bytes} bytes)`);
    if (facts.length > 0) lines.push(`             ${facts.join('; ')}`);
  }
  for (const m of result.missing ?? []) lines.push(`  ${m.kind.padEnd(10)} none: ${m.message}`);
  return lines;
}
