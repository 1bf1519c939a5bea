import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';
import { runBuiltCli } from '../support/runBuiltCli.js';

/** The built `mediaferry` command in a clean environment pointed at the stack. */
const runCli = (args: string[], env: Record<string, string>) => runBuiltCli(args, env, 150_000);

describe('the mediaferry command against the real local stack', () => {
  let local: LocalTestStack;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mediaferry-cli-stack-'));
    local = await startLocalTestStack({ settings: { LIVENESS_POLL_SECONDS: '2' }, removeOnStop: [dir] });
    // What a user of `npm start` sets: the app's origin, and trust for the stack's HTTPS (Azurite's read links).
    env = { MEDIAFERRY_URL: local.stack.hostOrigin, NODE_EXTRA_CA_CERTS: local.stack.certificate.certPath };
  }, 120_000);
  afterAll(async () => {
    await local?.stopExpectingNothingLeft();
  });

  it('submits with --wait, then downloads the output through its read link with the stored bytes', async () => {
    // About 3 s of download, so the command's once-a-second poll sees the job at work, not only done.
    local.media.setBehaviour(local.fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 250_000 });
    const submitted = await runCli(['submit', local.media.url(local.fixtures.progressiveMp4), '--wait'], env);
    local.media.clearBehaviours();
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const lines = submitted.stdout.trim().split('\n');
    const id = lines[0]!;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    // Off a terminal: one plain line per change, ending with the output and its read link.
    expect(lines.some((line) => /Downloading|Processing|Uploading/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^${id}/${id}\\.mp4 \\d+ bytes https://127\\.0\\.0\\.1:\\d+/.+sig=`),
    );

    const target = join(dir, 'videos');
    const downloaded = await runCli(['download', id, target], env);
    expect(downloaded.stderr).toBe('');
    expect(downloaded.code).toBe(0);
    expect(readdirSync(target)).toEqual([`${id}.mp4`]);
    const stored = await local.blobs.getBlobClient(`${id}/${id}.mp4`).downloadToBuffer();
    const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    expect(sha256(readFileSync(join(target, `${id}.mp4`)))).toBe(sha256(stored));
    await local.groupGone(id);
  }, 240_000);

  it('serves its OpenAPI document on the same host', async () => {
    const response = await fetch(`${local.stack.hostOrigin}/api/openapi.json`, {
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.1');
    expect(Object.keys(document.paths)).toContain('/api/jobs/{id}/cancel');
  });
});
