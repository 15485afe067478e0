/**
 * Results on the page: a left and a right trial run from the page's controls give two result tables,
 * the left/right comparison, and downloads with both trials. Uses the small test analysis (its trial
 * starts on any foot) so that one synthetic feed serves both feet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveHub } from '../../host/live/hub.ts';
import { startLiveServer, type LiveServer } from '../../host/live/server.ts';
import { artifactPath, launchBrowser, SKIP_BROWSER, type Browser } from './browser.ts';
import { fakeAnalysis } from './fake-analysis.ts';
import { syntheticFeed, type SyntheticFeed } from './synthetic-feed.ts';

describe.skipIf(SKIP_BROWSER)('results on the page', () => {
  let feed: SyntheticFeed;
  let hub: LiveHub;
  let server: LiveServer;
  let browser: Browser;

  beforeAll(async () => {
    feed = syntheticFeed({ speed: 8 });
    hub = new LiveHub(feed.source, fakeAnalysis(), { setup: { foot: 'left', eyes: 'open', surface: 'firm', durationS: 2 } });
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

  it('shows each result, the left/right comparison, and offers both downloads', async () => {
    const { page } = browser;
    await page.waitForFunction(() => (window as unknown as { tripodLive: { samples: number } }).tripodLive.samples > 10);
    for (const [n, foot] of [
      [1, 'left'],
      [2, 'right'],
    ] as const) {
      await page.click(`#foot button[data-value="${foot}"]`);
      await expect.poll(() => hub.snapshot().trial.setup.foot).toBe(foot);
      await expect.poll(() => page.textContent('#plate-foot')).toBe(`${foot} foot`);
      await page.click('#start');
      await page.waitForSelector(`#result-table[data-trial-id="${n}"]`, { timeout: 20_000 });
      const held = await page.getAttribute('#result-table td.v[data-key="held_s"]', 'data-value');
      expect(Number(held)).toBe((hub.results.list()[n - 1]!.result as { heldS: number }).heldS);
    }
    await page.waitForSelector('table.comparison[data-eyes="open"]');
    const row = await page.$$eval('table.comparison tr[data-key="held_s"] td', (tds) => tds.map((t) => t.textContent));
    const [l, r] = hub.results.list().map((t) => (t.result as { heldS: number }).heldS);
    expect(row.slice(1, 3)).toEqual([l!.toFixed(2), r!.toFixed(2)]);
    expect(await page.$$eval('#history li', (li) => li.length)).toBe(1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#dl-csv')]);
    expect(download.suggestedFilename()).toMatch(/^tripod-results-.*\.csv$/);
    const csv = await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8');
    expect(csv.trim().split('\r\n').map((line) => line.split(',').slice(0, 3).join(','))).toEqual(['trial,foot,eyes', '1,left,open', '2,right,open']);
    await page.screenshot({ path: artifactPath('live-results.png'), fullPage: true });
  });

  it('says so when the host itself stops answering', async () => {
    const { page } = browser;
    await server.close();
    await page.waitForSelector('#conn[data-state="host-lost"]', { timeout: 10_000 });
    expect(await page.textContent('#banner')).toBe('The tripod host stopped answering. Retrying…');
  });
});
