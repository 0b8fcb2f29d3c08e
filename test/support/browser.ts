import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, when the machine has one. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

const SYSTEM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface LaunchedBrowser {
  browser: Browser;
  /** Which Chromium runs: `system` (/usr/bin/chromium) or `npm` (@sparticuz/chromium). */
  source: 'system' | 'npm';
}

/**
 * A headless Chromium with no download and no apt-get: /usr/bin/chromium when present, otherwise
 * the one shipped inside the @sparticuz/chromium package (unpacked into the temp directory the
 * first time, about 1.5 s). TEST_CHROMIUM=npm forces the npm one, TEST_CHROMIUM=system the system one.
 */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const wanted = process.env.TEST_CHROMIUM;
  if (wanted !== undefined && wanted !== 'npm' && wanted !== 'system') {
    throw new Error(`TEST_CHROMIUM must be npm or system, not ${wanted}`);
  }
  if (wanted === 'system' || (wanted === undefined && existsSync(SYSTEM_CHROMIUM))) {
    if (!existsSync(SYSTEM_CHROMIUM)) throw new Error(`TEST_CHROMIUM=system, but ${SYSTEM_CHROMIUM} is missing`);
    return { browser: await chromium.launch({ executablePath: SYSTEM_CHROMIUM, args: SYSTEM_ARGS }), source: 'system' };
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  const browser = await chromium.launch({ executablePath: await packaged.executablePath(), args: packaged.args });
  return { browser, source: 'npm' };
}
