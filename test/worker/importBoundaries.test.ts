import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repoRoot.js';

const eslint = new ESLint({ cwd: repoRoot });

/** The no-restricted-imports messages ESLint reports for `code` placed at `file` (repo-relative). */
async function boundaryViolations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, file) });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

describe('import boundaries between the sides of src/', () => {
  it('reports a worker file that imports Function App code', async () => {
    const violations = await boundaryViolations(
      'src/worker/boundaryProbe.ts',
      "import { getConfig } from '../app/config.js';\nexport const config = getConfig();\n",
    );
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain('Only the Function App may import src/app/');
  });

  it('reports a worker file that imports the emulator', async () => {
    const violations = await boundaryViolations(
      'src/worker/boundaryProbe.ts',
      "import { startLocalStack } from '../../emulator/stack/startLocalStack.js';\nexport const start = startLocalStack;\n",
    );
    expect(violations).toEqual([expect.stringContaining('must never import from emulator/')]);
  });

  it('lets a worker file import shared contracts', async () => {
    const violations = await boundaryViolations(
      'src/worker/boundaryProbe.ts',
      "import { jobResultSchema } from '../shared/contracts.js';\nexport const schema = jobResultSchema;\n",
    );
    expect(violations).toEqual([]);
  });

  it('reports a shared file that imports Function App code or the worker', async () => {
    const violations = await boundaryViolations(
      'src/shared/errors/boundaryProbe.ts',
      [
        "import { getConfig } from '../../app/config.js';",
        "import { runWorker } from '../../worker/runWorker.js';",
        'export const both = [getConfig, runWorker];',
        '',
      ].join('\n'),
    );
    expect(violations).toHaveLength(2);
    expect(violations[0]).toContain('Only the Function App may import src/app/');
    expect(violations[1]).toContain('src/shared/ must not import the worker');
  });

  it('still reports an app file that imports the emulator', async () => {
    const violations = await boundaryViolations(
      'src/app/functions/boundaryProbe.ts',
      "import { startLocalStack } from '../../../emulator/stack/startLocalStack.js';\nexport const start = startLocalStack;\n",
    );
    expect(violations).toEqual([expect.stringContaining('must never import from emulator/')]);
  });
});
