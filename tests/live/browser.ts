/**
 * Launches Debian's chromium (/usr/bin/chromium) through playwright-core, never a downloaded browser,
 * with a fresh profile directory. Without the browser the tests fail with the install line, unless
 * TRIPOD_SKIP_BROWSER=1 says to skip them (CI never sets it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

/** True when the browser tests should be skipped (only with TRIPOD_SKIP_BROWSER=1 and no chromium). */
export const SKIP_BROWSER = !existsSync(CHROMIUM) && process.env.TRIPOD_SKIP_BROWSER === '1';

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(viewport = { width: 1600, height: 1000 }, executablePath = CHROMIUM): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} not found: install it with 'apt-get install chromium' (or set TRIPOD_SKIP_BROWSER=1 to skip the browser tests)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'tripod-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      '--enable-precise-memory-info',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      if (errors.length) throw new Error(`the page threw: ${errors.join(' | ')}`);
    },
  };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/**
 * A fingerprint of each chart canvas on the page: how many pixels are not fully transparent/the
 * background, and a hash of all pixels. Keys: the data-chart name (uPlot charts have one canvas).
 */
export async function canvasPrints(page: Page): Promise<Record<string, { inked: number; hash: number; width: number }>> {
  return page.evaluate(() => {
    const out: Record<string, { inked: number; hash: number; width: number }> = {};
    for (const host of Array.from(document.querySelectorAll<HTMLElement>('[data-chart]'))) {
      const canvas = host instanceof HTMLCanvasElement ? host : host.querySelector('canvas');
      if (!canvas) continue;
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0) {
        out[host.dataset.chart!] = { inked: 0, hash: 0, width: canvas.width };
        continue;
      }
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      let hash = 2166136261;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0) inked++;
        hash = Math.imul(hash ^ (data[i]! + (data[i + 1]! << 8) + (data[i + 2]! << 16) + (data[i + 3]! << 24)), 16777619) >>> 0;
      }
      out[host.dataset.chart!] = { inked, hash, width: canvas.width };
    }
    return out;
  });
}
