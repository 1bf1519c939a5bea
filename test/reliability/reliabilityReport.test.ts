import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_CASES } from './support/faultMatrix.js';
import { repoRoot } from '../support/repoRoot.js';

/** Cells of a markdown table row, unpadded. */
function cellsOf(row: string): string[] {
  return row
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

describe('docs/reliability.md', () => {
  it('lists every case of the reliability suite with its fault, expectation and an observed result', () => {
    const doc = readFileSync(join(repoRoot, 'docs/reliability.md'), 'utf8');
    const rows = doc
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map(cellsOf);
    for (const [id, { fault, expected }] of Object.entries(FAULT_CASES)) {
      const row = rows.find((cells) => cells[0] === `\`${id}\``);
      expect(row, `row for ${id}`).toBeDefined();
      expect(row?.[1]).toBe(fault);
      expect(row?.[2]).toBe(expected);
      expect(row?.[3]?.length, `observed result for ${id}`).toBeGreaterThan(0);
    }
    expect(rows).toHaveLength(Object.keys(FAULT_CASES).length);
  });
});
