import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './repoRoot.js';

/** The distribution's Chromium (scripts/setup.sh installs it); playwright-core downloads no browser. */
export const CHROMIUM = process.env.MEDIAFERRY_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Where the browser tests save their screenshots (gitignored). */
export const SCREENSHOT_DIR = join(repoRoot, 'test-results', 'screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

/** One headless Chromium for a test file; close it in afterAll. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // One renderer at a time and no GPU: the machines running these tests have two cores.
    args: [
      '--disable-gpu',
      '--renderer-process-limit=2',
      '--mute-audio',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/**
 * A fresh browser profile (its own cookies). The local stack's Azurite speaks HTTPS with the test
 * certificate, which this throwaway profile is told to accept.
 */
export async function newProfile(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    viewport: DESKTOP,
    ignoreHTTPSErrors: true,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
}

/** Saves the page at desktop and phone width as `<name>-desktop.png` and `<name>-phone.png`. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}
