// Headless Chromium for the console's browser tests, driven by playwright-core
// (which downloads nothing): Debian's chromium, or CHROMIUM_PATH. Where none
// is found the tests are skipped with one message saying how to get one.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function findChromium(): string | undefined {
  const given = process.env.CHROMIUM_PATH;
  if (given) return existsSync(given) ? given : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

export const NO_BROWSER = 'console browser tests skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)';

export interface Browser { context: BrowserContext; close(): Promise<void> }

export async function launch(executablePath: string): Promise<Browser> {
  // a fresh profile every time: nothing of an earlier run (storage, cache) is seen
  const profile = mkdtempSync(join(tmpdir(), 'couchfn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync']
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  };
}
