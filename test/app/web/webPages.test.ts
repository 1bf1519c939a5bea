import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebAssets } from '../../../src/app/web/webAssets.js';
import { contentSecurityPolicy, mediaOriginOf, servePage } from '../../../src/app/web/webPages.js';
import { answerOf, httpRequest } from '../support/invoke.js';
import { repoRoot } from '../../support/repoRoot.js';

// The built web library (npm run build writes dist/web).
const assets = new WebAssets(join(repoRoot, 'dist/web'));
const MEDIA_ORIGIN = 'https://media123.blob.core.windows.net';

function principalHeader(userName: string): string {
  const principal = {
    auth_typ: 'aad',
    claims: [
      { typ: 'name', val: userName },
      { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'user-1' },
    ],
    name_typ: 'name',
    role_typ: 'roles',
  };
  return Buffer.from(JSON.stringify(principal)).toString('base64');
}

const signedIn = { 'x-ms-client-principal': principalHeader('Ana') };

/** Serves `page` for a GET of `url` with these request headers, with the built assets and MEDIA_ORIGIN. */
function pageFor(page: Parameters<typeof servePage>[0], url: string, headers: Record<string, string> = {}) {
  return answerOf(
    servePage(page, httpRequest({ method: 'GET', url, headers }), assets.manifest, MEDIA_ORIGIN),
  );
}

describe('web library pages', () => {
  it('redirects a visitor who is not signed in to sign-in, coming back to the same page', async () => {
    const answer = await pageFor('watch', 'http://app.example/watch/abc?t=5');
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe(
      '/.auth/login/aad?post_login_redirect_uri=%2Fwatch%2Fabc%3Ft%3D5',
    );
  });

  it('does not take a principal header that is not App Service JSON as a sign-in', async () => {
    const answer = await pageFor('library', 'http://app.example/', {
      'x-ms-client-principal': 'not base64 json',
    });
    expect(answer.status).toBe(302);
  });

  it('serves a signed-in user the page with a strict CSP that allows media only from the storage account', async () => {
    const answer = await pageFor('library', 'http://app.example/', signedIn);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = answer.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['media-src']).toEqual(["'self'", 'blob:', MEDIA_ORIGIN]);
    expect(directives['img-src']).toEqual(["'self'", MEDIA_ORIGIN]);
    expect(directives['connect-src']).toEqual(["'self'", MEDIA_ORIGIN]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    // No inline script: the only script is the bundled file.
    expect(answer.text.match(/<script[^>]*>/g)).toEqual([
      `<script type="module" src="/assets/${assets.manifest.script}">`,
    ]);
    expect(answer.text).toContain('aria-current="page">Library</a>');
  });

  it('writes nothing of the request into the page', async () => {
    const answer = await pageFor(
      'watch',
      'http://app.example/watch/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E',
      signedIn,
    );
    expect(answer.status).toBe(200);
    expect(answer.text).not.toMatch(/onerror|img src|%3Cimg/i);
  });

  it('takes the media origin from the blob endpoint, and a bad one is left out rather than widening the policy', () => {
    expect(mediaOriginOf('https://127.0.0.1:10000/devstoreaccount1')).toBe('https://127.0.0.1:10000');
    expect(mediaOriginOf('https://media123.blob.core.windows.net/')).toBe(MEDIA_ORIGIN);
    expect(mediaOriginOf('not a url')).toBeUndefined();
    expect(contentSecurityPolicy(undefined)).toContain("media-src 'self' blob:;");
  });
});

describe('web library assets', () => {
  it('serves a built file with its content type and a year-long immutable cache', async () => {
    const answer = await answerOf(assets.serve(assets.manifest.script, 'GET'));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.text).toBe(readFileSync(join(repoRoot, 'dist/web', assets.manifest.script), 'utf8'));
    const style = await answerOf(assets.serve(assets.manifest.style, 'GET'));
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it.each([
    '../package.json',
    '..%2Fpackage.json',
    '../../host.json',
    '/etc/passwd',
    'sub/../manifest.json',
    'manifest.json',
    '.',
    '..',
    'app.js\u0000.css',
    '',
    undefined,
  ])('answers 404 for %j, never a file outside the build', async (file) => {
    const answer = await answerOf(assets.serve(file, 'GET'));
    expect(answer.status).toBe(404);
    expect(answer.text).toBe('No such file.\n');
  });

  it('keeps a first load (entry script, its static imports, the stylesheet) under 150 KB gzipped', () => {
    const { firstLoad } = assets.manifest;
    expect(firstLoad).toContain(assets.manifest.script);
    expect(firstLoad).toContain(assets.manifest.style);
    const gzipped = firstLoad.reduce(
      (sum, file) => sum + gzipSync(readFileSync(join(repoRoot, 'dist/web', file))).length,
      0,
    );
    expect(gzipped).toBeLessThan(150 * 1024);
    // hls.js is a chunk of its own that the first load does not fetch.
    expect(readdirSync(join(repoRoot, 'dist/web')).some((file) => /^hls-.*\.js$/.test(file))).toBe(true);
    expect(firstLoad.some((file) => file.startsWith('hls-'))).toBe(false);
  });
});
