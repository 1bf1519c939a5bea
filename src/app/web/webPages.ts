import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { callerOf } from '../auth/caller.js';
import type { WebManifest } from './webAssets.js';

/** The pages of the web library; each is one HTML shell the bundled script fills in. */
export const WEB_PAGES = {
  library: { path: '/', title: 'Library' },
  submit: { path: '/submit', title: 'Submit' },
  jobs: { path: '/jobs', title: 'Jobs' },
  watch: { path: '/watch', title: 'Player' },
} as const;
export type WebPageName = keyof typeof WEB_PAGES;

const NAV: WebPageName[] = ['library', 'submit', 'jobs'];

/**
 * The Content-Security-Policy of every page: scripts and styles only from the app's own files (no
 * inline script at all), media, images and fetches from the app and the media storage account the
 * read and upload links point at, no framing, no plugins, forms and base URLs pinned to the app.
 */
export function contentSecurityPolicy(mediaOrigin: string | undefined): string {
  const media = mediaOrigin ? ` ${mediaOrigin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self'${media}`,
    // hls.js feeds the video element through MediaSource blob: URLs.
    `media-src 'self' blob:${media}`,
    `connect-src 'self'${media}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Headers every HTML answer carries. */
export function pageSecurityHeaders(mediaOrigin: string | undefined): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(mediaOrigin),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // Read links carry a SAS: never leak page URLs (or anything else) to other origins.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
    'Cache-Control': 'no-store',
  };
}

/** The origin (scheme://host[:port]) of the media storage account's blob endpoint, if it parses. */
export function mediaOriginOf(blobEndpoint: string | undefined): string | undefined {
  if (!blobEndpoint) return undefined;
  try {
    const url = new URL(blobEndpoint);
    return /^https?:$/.test(url.protocol) ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The local sign-in URL that comes back to this request's path (same-origin only). */
export function signInRedirect(request: HttpRequest): HttpResponseInit {
  const url = new URL(request.url);
  const back = `${url.pathname}${url.search}`;
  return {
    status: 302,
    headers: {
      Location: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(back)}`,
      'Cache-Control': 'no-store',
    },
  };
}

/** The HTML of a page: static text only — nothing from the request or a job is ever written into it. */
export function pageHtml(page: WebPageName, manifest: WebManifest): string {
  const { title } = WEB_PAGES[page];
  const nav = NAV.map((name) => {
    const current = name === page ? ' aria-current="page"' : '';
    return `<li><a href="${WEB_PAGES[name].path}"${current}>${WEB_PAGES[name].title}</a></li>`;
  }).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · mediaferry</title>
<link rel="stylesheet" href="/assets/${manifest.style}">
<script type="module" src="/assets/${manifest.script}"></script>
</head>
<body data-page="${page}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/">mediaferry</a>
<nav aria-label="Main"><ul>${nav}</ul></nav>
<div class="account"><span id="user-name"></span><a href="/.auth/logout?post_logout_redirect_uri=/">Sign out</a></div>
</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
<div id="content"></div>
</main>
</body>
</html>
`;
}

/** Whether App Service Authentication vouches for someone; a principal that cannot be read does not. */
function isSignedIn(request: HttpRequest): boolean {
  try {
    return callerOf(request).kind === 'user';
  } catch {
    return false;
  }
}

/** The answer to a page request: the page to a signed-in user, a redirect to sign-in otherwise. */
export function servePage(
  page: WebPageName,
  request: HttpRequest,
  manifest: WebManifest,
  mediaOrigin: string | undefined,
): HttpResponseInit {
  if (!isSignedIn(request)) return signInRedirect(request);
  return {
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8', ...pageSecurityHeaders(mediaOrigin) },
    body: pageHtml(page, manifest),
  };
}
