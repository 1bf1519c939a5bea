import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineWriter } from '../../../emulator/shared/lineWriter.js';

function capture(): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, writes };
}

describe('LineWriter', () => {
  it('writes the lines of one turn together, in order, once the turn ends', async () => {
    const { stream, writes } = capture();
    const writer = new LineWriter(stream);
    writer.write('one');
    writer.write('two');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    writer.write('three');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['one\ntwo\n', 'three\n']);
  });

  it('writes what is still buffered when the process exits', () => {
    const source = join(import.meta.dirname, '..', '..', '..', 'emulator', 'shared', 'lineWriter.ts');
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { LineWriter } = await import(${JSON.stringify(source)});
         const writer = new LineWriter(process.stdout);
         for (let i = 0; i < 3; i++) writer.write('line ' + i);
         process.exit(0);`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('line 0\nline 1\nline 2\n');
  });
});
