import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResponseInit } from '@azure/functions';

/** What scripts/build-web.mjs wrote: the entry files' hashed names and what a first load fetches. */
export interface WebManifest {
  script: string;
  style: string;
  firstLoad: string[];
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
/** esbuild's `[name]-[hash]` names: the content decides the name, so a year-long cache is safe. */
const HASHED_NAME = /-[A-Z0-9]{8}\.(js|css)$/;
/** A file name with no folder part: the only shape a request may ask for. */
const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/** Where dist/web is, from the compiled app (dist/src/app/web) or from the sources (src/app/web). */
export function defaultWebAssetsDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, '../../../web'), join(here, '../../../dist/web')];
  return candidates.find((dir) => existsSync(join(dir, 'manifest.json'))) ?? candidates[0]!;
}

/**
 * The built web library's files, read once. Only the files the build wrote can be served: a request
 * names one of them exactly, so no path (`..`, `/`, `%2f`, a drive letter) can reach anything else.
 */
export class WebAssets {
  readonly manifest: WebManifest;
  readonly #files = new Map<string, Buffer>();

  constructor(readonly dir: string = defaultWebAssetsDir()) {
    if (!existsSync(join(dir, 'manifest.json')))
      throw new Error(`The web library is not built (no ${join(dir, 'manifest.json')}); run npm run build.`);
    this.manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as WebManifest;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile() && entry.name !== 'manifest.json' && CONTENT_TYPES[extname(entry.name)])
        this.#files.set(entry.name, readFileSync(join(dir, entry.name)));
    }
  }

  /** The answer to `GET /assets/{file}`. */
  serve(file: string | undefined, method: string): HttpResponseInit {
    const body = file && PLAIN_NAME.test(file) ? this.#files.get(file) : undefined;
    if (!body)
      return {
        status: 404,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
        body: 'No such file.\n',
      };
    return {
      status: 200,
      headers: {
        'Content-Type': CONTENT_TYPES[extname(file!)]!,
        'Content-Length': String(body.length),
        'Cache-Control': HASHED_NAME.test(file!) ? 'public, max-age=31536000, immutable' : 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Cross-Origin-Resource-Policy': 'same-origin',
      },
      ...(method === 'HEAD' ? {} : { body }),
    };
  }
}

let shared: WebAssets | undefined;
/** The process-wide asset set, read on first use. */
export function appWebAssets(): WebAssets {
  shared ??= new WebAssets();
  return shared;
}
