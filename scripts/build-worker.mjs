// Bundles the container's program into one file with its npm dependencies, so the worker image
// needs neither the app's node_modules nor an `npm ci`: `node dist/worker/main.mjs`.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/worker/main.ts'],
  outfile: 'dist/worker/main.mjs',
  bundle: true,
  platform: 'node', // node builtins stay external; everything else is inlined
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies bundled into ESM still call require() for node builtins.
  banner: {
    js: "import { createRequire as __workerRequire } from 'node:module'; const require = __workerRequire(import.meta.url);",
  },
  legalComments: 'eof',
  logLevel: 'warning',
});
