/**
 * The live page in chromium behind the per-run token (served on 127.0.0.2, not loopback's default
 * address, so the token is on): the page, its assets and its WebSocket work from the printed URL,
 * not without it; a recording stopped by a full disk shows as "REC stopped" with the reason; a
 * tare with someone on the board is asked by the host and done once the user confirms.
 */
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveHub } from '../../host/live/hub.ts';
import { startLiveServer, type LiveServer } from '../../host/live/server.ts';
import { launchBrowser, SKIP_BROWSER, type Browser } from './browser.ts';
import { fakeAnalysis } from './fake-analysis.ts';
import { syntheticFeed, type SyntheticFeed } from './synthetic-feed.ts';

describe.skipIf(SKIP_BROWSER)('live page behind the token', () => {
  let feed: SyntheticFeed;
  let hub: LiveHub;
  let server: LiveServer;
  let browser: Browser;
  const recordingError = new Subject<string>();
  let tares = 0;

  beforeAll(async () => {
    feed = syntheticFeed();
    hub = new LiveHub(
      {
        ...feed.source,
        recording: 'session.tripod',
        recordingError$: recordingError,
        tare: async () => {
          tares++;
        },
      },
      fakeAnalysis(),
    );
    hub.start();
    server = await startLiveServer(hub, { host: '127.0.0.2', port: 0 });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    hub?.stop();
    feed?.stop();
  });

  it('without the token: 401; from the printed URL the page runs (assets and WebSocket carry the cookie)', async () => {
    const { page } = browser;
    const bare = `http://127.0.0.2:${server.port}/`;
    expect(server.url).toBe(`${bare}?token=${server.token}`);
    const refused = await page.goto(bare);
    expect(refused!.status()).toBe(401);
    expect(await page.textContent('body')).toMatch(/needs its token: open the whole URL tripod live printed/);
    await page.goto(server.url);
    await page.waitForFunction(() => (window as unknown as { tripodLive: { samples: number } }).tripodLive.samples > 40, undefined, { timeout: 15_000 });
    expect(await page.textContent('#conn-text')).toBe('Board connected');
    expect(hub.clientCount).toBe(1);
  });

  it('a recording stopped by a full disk shows on the page, and the page goes on', async () => {
    const { page } = browser;
    await page.waitForSelector('#rec:not([hidden])');
    expect(await page.textContent('#rec-file')).toBe('session.tripod');
    recordingError.next('cannot write session.tripod: the disk is full; recording stopped after 120 messages (5000 bytes, all intact)');
    await page.waitForSelector('#rec.rec-stopped');
    expect(await page.textContent('#rec-file')).toBe('stopped: cannot write session.tripod: the disk is full; recording stopped after 120 messages (5000 bytes, all intact)');
    await page.waitForSelector('#toast:not([hidden])');
    expect(await page.textContent('#toast')).toMatch(/^Recording stopped: cannot write session\.tripod: the disk is full/);
    const n = await page.evaluate(() => (window as unknown as { tripodLive: { samples: number } }).tripodLive.samples);
    await page.waitForFunction((k) => (window as unknown as { tripodLive: { samples: number } }).tripodLive.samples > k + 40, n, { timeout: 10_000 });
  });

  it('tare with someone on the board: the host asks, the page asks the user, and tares once confirmed', async () => {
    const { page } = browser;
    await expect.poll(() => hub.snapshot().last?.total ?? 0, { timeout: 10_000 }).toBeGreaterThan(100);
    const dismissed = new Promise<string>((resolve) =>
      page.once('dialog', (d) => {
        resolve(d.message());
        void d.dismiss();
      }),
    );
    await page.click('#tare');
    expect(await dismissed).toMatch(/^The board carries \d+ N now\. Tare zeroes it: only tare with nobody on the board\. Tare anyway\?$/);
    await page.waitForTimeout(300);
    expect(tares).toBe(0);
    page.once('dialog', (d) => void d.accept());
    await page.click('#tare');
    await expect.poll(() => tares, { timeout: 5000 }).toBe(1);
  });
});
