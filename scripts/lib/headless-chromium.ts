import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium, installed by scripts/ensure-chromium.sh; playwright-core never downloads one. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless and quiet: no sandbox (CI runs as root), no GPU, and none of the background traffic
 * (component updates, sync, QUIC probes) that would blur "the report made no request".
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface HeadlessChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts chromium with a fresh, throw-away user-data directory. */
export async function launchHeadlessChromium(
  viewport = { width: 1440, height: 1000 },
): Promise<HeadlessChromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'clonewarden-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
