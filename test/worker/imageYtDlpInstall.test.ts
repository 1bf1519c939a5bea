import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arch, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repoRoot.js';

/**
 * container/install-yt-dlp.sh, as the image build and the scheduled ACR task run it, against a copy
 * of the yt-dlp releases served on loopback (GitHub itself cannot be reached here): real curl,
 * real sha256sum, real redirects.
 */
const script = path.join(repoRoot, 'container/install-yt-dlp.sh');
const asset = arch() === 'arm64' ? 'yt-dlp_linux_aarch64' : 'yt-dlp_linux';
const binary = (version: string) => `#!/bin/sh\necho ${version}\n`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What the release server answers; each test sets it. */
let release: { latest: string; sums: (version: string) => string };
const requested: string[] = [];
let server: Server;
let releasesUrl: string;
let scratch: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    requested.push(url);
    if (url === '/latest') {
      res.writeHead(302, { location: `/tag/${release.latest}` }).end();
      return;
    }
    const tag = /^\/tag\/([^/]+)$/.exec(url);
    if (tag) {
      res.writeHead(200).end('release page');
      return;
    }
    const file = /^\/download\/([^/]+)\/([^/]+)$/.exec(url);
    if (file?.[2] === asset) return void res.writeHead(200).end(binary(file[1] ?? ''));
    if (file?.[2] === 'SHA2-256SUMS') return void res.writeHead(200).end(release.sums(file[1] ?? ''));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  releasesUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});
beforeEach(() => {
  requested.length = 0;
  scratch = mkdtempSync(path.join(tmpdir(), 'mediaferry-install-yt-dlp-'));
  return () => rmSync(scratch, { recursive: true, force: true });
});

const honestSums = (version: string) =>
  `${sha256('other')}  yt-dlp.exe\n${sha256(binary(version))}  ${asset}\n`;

/** Runs the script without blocking this process, which serves the releases it fetches. */
async function install(version: string, pinned = '') {
  const destination = path.join(scratch, 'yt-dlp');
  const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'sh',
      [script, version, pinned, destination],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', YT_DLP_RELEASES_URL: releasesUrl },
        timeout: 30_000,
      },
      (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
  return { ...run, destination, installed: existsSync(destination) };
}

describe('install-yt-dlp.sh', () => {
  it('resolves latest to one release tag and takes binary and checksums from that release', async () => {
    release = { latest: '2025.12.08', sums: honestSums };
    const run = await install('latest');
    expect(run.status, run.stderr).toBe(0);
    expect(spawnSync(run.destination, ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe('2025.12.08');
    expect(requested).toEqual([
      '/latest',
      '/tag/2025.12.08',
      `/download/2025.12.08/${asset}`,
      '/download/2025.12.08/SHA2-256SUMS',
    ]);
    expect(run.stdout).toContain(`yt-dlp 2025.12.08 (${asset}, sha256 ${sha256(binary('2025.12.08'))})`);
  });

  it('refuses a binary that does not match its release’s SHA2-256SUMS, installing nothing', async () => {
    release = { latest: '2025.12.08', sums: () => `${sha256('tampered')}  ${asset}\n` };
    const run = await install('latest');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("does not match its release's SHA2-256SUMS");
    expect(run.installed).toBe(false);
  });

  it('refuses a release whose SHA2-256SUMS does not list the binary', async () => {
    release = { latest: '2025.12.08', sums: () => `${sha256('x')}  yt-dlp.exe\n` };
    const run = await install('2025.12.08');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`lists no ${asset}`);
    expect(run.installed).toBe(false);
  });

  it('installs a fixed version only when it is the pinned build', async () => {
    release = { latest: '2026.01.01', sums: honestSums };
    const pinned = await install('2025.12.08', sha256(binary('2025.12.08')));
    expect(pinned.status, pinned.stderr).toBe(0);
    expect(requested).not.toContain('/latest');
    rmSync(pinned.destination);
    const other = await install('2025.12.08', sha256('another build'));
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('is not the pinned build');
    expect(other.installed).toBe(false);
  });

  it('refuses a latest redirect that does not end in a release tag', async () => {
    release = { latest: 'nightly', sums: honestSums };
    const run = await install('latest');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('cannot tell the latest release');
    expect(requested.some((url) => url.startsWith('/download/'))).toBe(false);
    expect(run.installed).toBe(false);
  });
});
