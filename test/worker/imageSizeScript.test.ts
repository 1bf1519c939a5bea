import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repoRoot.js';

const script = join(repoRoot, 'scripts/image-size.sh');
const scratch = mkdtempSync(join(tmpdir(), 'mediaferry-image-size-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A container engine stand-in answering `info` and `image inspect` with the given size in bytes. */
function engineReporting(bytes: number): string {
  const bin = join(scratch, `bin-${bytes}`);
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/sh\ncase "$1" in info) exit 0;; image) echo ${bytes};; *) exit 9;; esac\n`,
  );
  chmodSync(join(bin, 'docker'), 0o755);
  return bin;
}

const run = (path: string, ...args: string[]) =>
  spawnSync('bash', [script, ...args], { env: { PATH: path }, encoding: 'utf8', timeout: 30_000 });

describe('scripts/image-size.sh', () => {
  it('says how to measure in Azure where no container engine runs', () => {
    const result = run('/usr/bin:/bin');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('No container engine');
    expect(result.stderr).toContain('az acr build');
  });

  it('reports the size in MB and fails above the 400 MB target', () => {
    const small = run(`${engineReporting(312_000_000)}:/usr/bin:/bin`, '--no-build', 'w:1');
    expect(small.status).toBe(0);
    expect(small.stdout).toContain('w:1: 312 MB uncompressed');
    const large = run(`${engineReporting(612_000_000)}:/usr/bin:/bin`, '--no-build', 'w:1');
    expect(large.status).toBe(1);
    expect(large.stderr).toContain('Above the 400 MB target');
  });

  it('passes shellcheck', (context) => {
    if (spawnSync('sh', ['-c', 'command -v shellcheck']).status !== 0)
      context.skip('shellcheck is not installed');
    const result = spawnSync('shellcheck', ['--severity=style', script], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
  });
});
