import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, headless; CI installs it (.ci/run). CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * `describe` for a file that needs the browser. On CI the browser is installed and required (a
 * missing one fails loudly there); elsewhere the file is skipped with a warning, never silently.
 */
export const describeInBrowser: jest.Describe =
  chromiumAvailable() || process.env.CI
    ? describe
    : (() => {
        console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium).`);
        return describe.skip;
      })();
