import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repoRoot.js';

/** The repository's top-level folders: a backticked word starting with one of them is taken for a path. */
const topFolders = readdirSync(repoRoot, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !['node_modules', 'dist'].includes(e.name))
  .map((e) => e.name);

const documents = ['README.md', ...readdirSync(join(repoRoot, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);

/** Backticked repository paths (`src/app/config.ts`), leaving out patterns and placeholders. */
function backtickedPaths(text: string): string[] {
  return [...text.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!.replace(/^\.\//, ''))
    .filter((p) => topFolders.some((top) => p === top || p.startsWith(`${top}/`)))
    .filter((p) => !/[*<>{}$]/.test(p));
}

/** The entries of README's Layout block: unindented ones from the root, indented ones under the last of those. */
function layoutPaths(readme: string): string[] {
  const block = /## Layout\s+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const paths: string[] = [];
  let parent = '';
  for (const line of block.split('\n')) {
    const entry = /^(\s*)(\S+\/|\S+\.\w+)\s/.exec(line);
    if (!entry) continue;
    const [, indent = '', name = ''] = entry;
    if (indent === '') parent = name.endsWith('/') ? name : '';
    paths.push(indent === '' ? name : `${parent}${name}`);
  }
  return paths;
}

/** A path exists as written, or (for a compiled name such as `index.js`) as its TypeScript source. */
function exists(path: string): boolean {
  const full = join(repoRoot, path);
  return existsSync(full) || (path.endsWith('.js') && existsSync(full.replace(/\.js$/, '.ts')));
}

describe('paths named in README.md and docs/', () => {
  it.each(documents)('%s names only paths that exist', (document) => {
    const paths = backtickedPaths(readFileSync(join(repoRoot, document), 'utf8'));
    expect(paths.filter((p) => !exists(p))).toEqual([]);
  });

  it("README's Layout section lists folders and files that exist", () => {
    const paths = layoutPaths(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !exists(p))).toEqual([]);
  });

  it('catches a path that does not exist', () => {
    expect(backtickedPaths('see `test/nowhere/gone.test.ts` and `src/app/config.ts`')).toEqual([
      'test/nowhere/gone.test.ts',
      'src/app/config.ts',
    ]);
    expect(exists('test/nowhere/gone.test.ts')).toBe(false);
    expect(exists('src/app/config.ts')).toBe(true);
  });
});
