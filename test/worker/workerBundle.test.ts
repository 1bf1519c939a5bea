import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bundle = join(import.meta.dirname, '../../dist/worker/main.mjs');
const isolatedDir = mkdtempSync(join(tmpdir(), 'mf-worker-bundle-'));
afterAll(() => rmSync(isolatedDir, { recursive: true, force: true }));

/** True when some folder from `dir` up to the root holds a node_modules Node could resolve from. */
function hasNodeModulesAbove(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, 'node_modules'))) return true;
    if (current === parse(current).root) return false;
  }
}

describe('the bundled worker (dist/worker/main.mjs)', () => {
  it('starts with no node_modules and exits 2 with the BAD_CONFIG message when its environment is invalid', () => {
    expect(existsSync(bundle), 'run `npm run build:worker` first').toBe(true);
    const copy = join(isolatedDir, 'main.mjs');
    copyFileSync(bundle, copy);
    expect(hasNodeModulesAbove(isolatedDir)).toBe(false);

    const run = spawnSync(process.execPath, [copy], {
      cwd: isolatedDir,
      env: { PATH: process.env.PATH ?? '', MF_SOURCE_URL: 'ftp://127.0.0.1/clip.mp4' },
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain("[worker] The worker's configuration is invalid:");
    expect(run.stderr).toContain('MF_INSTANCE_ID is missing');
    expect(run.stderr).toContain('MF_CALLBACK_URL is missing');
    expect(run.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
  });
});
