import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobSucceededSchema } from '../../src/shared/contracts.js';
import { describeResult, progressLine, waitForJob } from './jobStatus.js';
import { makeSampleClip, serveFolder } from './sampleMedia.js';
import { startLocalStack } from './startLocalStack.js';

/**
 * The demo: brings the local stack up, makes a short clip and serves it on loopback, submits it
 * exactly as the README's curl does, shows live progress, prints the result, and stops everything.
 */
export async function runDemo(options: { appDir: string; port?: number }): Promise<number> {
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
    out(`\n$ curl -X POST ${startUrl} -d "${sourceUrl}"`);
    // Exactly what curl -d sends: the URL as a form-encoded body.
    const response = await fetch(startUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: sourceUrl,
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
    for (const line of describeResult(jobSucceededSchema.parse(status.output))) out(line);
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
