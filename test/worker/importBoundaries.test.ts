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

/** Source that imports `binding` from each specifier and uses them all. */
function probeImporting(imports: Record<string, string>): string {
  const lines = Object.entries(imports).map(
    ([binding, specifier]) => `import { ${binding} } from '${specifier}';`,
  );
  return [...lines, `export const used = [${Object.keys(imports).join(', ')}];`, ''].join('\n');
}

const APP_CODE = 'Only the Function App may import src/app/';
const EMULATOR_CODE = 'must never import from emulator/';

describe('import boundaries between the sides of src/', () => {
  it.each<[name: string, file: string, imports: Record<string, string>, reported: string[]]>([
    [
      'reports a worker file that imports Function App code',
      'src/worker/boundaryProbe.ts',
      { getConfig: '../app/config.js' },
      [APP_CODE],
    ],
    [
      'reports a worker file that imports the emulator',
      'src/worker/boundaryProbe.ts',
      { startLocalStack: '../../emulator/stack/startLocalStack.js' },
      [EMULATOR_CODE],
    ],
    [
      'lets a worker file import shared contracts',
      'src/worker/boundaryProbe.ts',
      { jobResultSchema: '../shared/contracts.js' },
      [],
    ],
    [
      'reports a shared file that imports Function App code or the worker',
      'src/shared/errors/boundaryProbe.ts',
      { getConfig: '../../app/config.js', runWorker: '../../worker/runWorker.js' },
      [APP_CODE, 'src/shared/ must not import the worker'],
    ],
    [
      'still reports an app file that imports the emulator',
      'src/app/functions/boundaryProbe.ts',
      { startLocalStack: '../../../emulator/stack/startLocalStack.js' },
      [EMULATOR_CODE],
    ],
  ])('%s', async (_name, file, imports, reported) => {
    const violations = await boundaryViolations(file, probeImporting(imports));
    expect(violations).toEqual(reported.map((message) => expect.stringContaining(message)));
  });
});
