// Bundles the web library's browser code (src/web) into dist/web with content-hashed names, so the
// app can serve them with a year-long cache; hls.js becomes its own chunk, fetched only by the player
// when the browser cannot play HLS itself. manifest.json tells the page functions which files to name.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { build } from 'esbuild';

const outdir = 'dist/web';
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: { app: 'src/web/main.ts', style: 'src/web/style.css' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'edge111', 'firefox114', 'safari16.4'],
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  minify: true,
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const outputs = result.metafile.outputs;
const entry = (source) => {
  const found = Object.entries(outputs).find(([, output]) => output.entryPoint === source);
  if (!found) throw new Error(`esbuild wrote no output for ${source}`);
  return found[0];
};
const script = entry('src/web/main.ts');
const style = entry('src/web/style.css');
// What a first page load fetches: the entry, the chunks it imports statically, and the stylesheet.
const firstLoad = new Set([script, style]);
const pending = [script];
while (pending.length > 0) {
  for (const imported of outputs[pending.pop()].imports) {
    if (imported.kind === 'import-statement' && !firstLoad.has(imported.path)) {
      firstLoad.add(imported.path);
      pending.push(imported.path);
    }
  }
}
const manifest = {
  script: basename(script),
  style: basename(style),
  firstLoad: [...firstLoad].map((path) => basename(path)),
};
writeFileSync(`${outdir}/manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
