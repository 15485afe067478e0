/**
 * The live page in a real chromium against the simulated board (the emulator running the built
 * firmware, in real time, as `tripod live` uses it): loads, draws every chart and keeps drawing,
 * shows a board disconnect and its recovery, and leaves screenshots in test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, canvasPrints, launchBrowser, SKIP_BROWSER, type Browser } from './browser.ts';
import { startSimLive, type SimLive } from '../../host/live/sim-stack.ts';

describe.skipIf(SKIP_BROWSER)('live page in chromium on the simulated board', () => {
  let sim: SimLive;
  let browser: Browser;

  beforeAll(async () => {
    sim = await startSimLive();
    browser = await launchBrowser();
    await browser.page.goto(sim.url);
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.close();
  });

  it('loads, and every chart draws a non-blank canvas that changes over time', async () => {
    const { page } = browser;
    expect(await page.title()).toBe('Tripod live');
    await page.waitForFunction(() => (window as unknown as { tripodLive: { samples: number } }).tripodLive.samples > 80);
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
    // achieved rate: the emulated HX711s run at 80 Hz +- their oscillator spread (a few %)
    await expect.poll(() => page.textContent('#st-rate'), { timeout: 5000 }).toMatch(/^\d+\.\d$/);
    const shown = Number(await page.textContent('#st-rate'));
    expect(shown).toBeGreaterThan(70);
    expect(shown).toBeLessThan(90);
    expect(Math.abs(shown - sim.session.stats().rateHz!)).toBeLessThan(0.05 * shown);
    expect(await page.textContent('#conn-text')).toBe('Board connected');
    expect(await page.textContent('#st-source')).toBe('simulated board');
    // The percentage where the board knows it (Puck.js), else the voltage it measured (MDBT42Q,
    // the simulated board: NRF.getBattery() 3.3 V, no E.getBattery).
    expect(await page.textContent('#st-battery')).toMatch(/^(\d{1,3} %|\d\.\d\d V)$/);
    expect(await page.textContent('#st-battery')).toBe('3.30 V');
    expect(await page.textContent('#st-lost')).toBe('0');
    expect(Number(await page.textContent('#score'))).toBeGreaterThanOrEqual(0);
    expect(await page.textContent('#cue')).not.toBe('');
    await page.screenshot({ path: artifactPath('live-page.png'), fullPage: true });
  });

  it('shows a board disconnect and clears it on reconnect', async () => {
    const { page } = browser;
    const log = (): Promise<string[]> => page.evaluate(() => (window as unknown as { tripodLive: { connectionLog: string[] } }).tripodLive.connectionLog.slice());
    expect(await log()).toEqual(['connected']);
    sim.loseLink();
    // the simulated link drops after the BLE supervision timeout and reconnects within ~0.2 s
    await page.waitForSelector('#banner[data-kind="bad"]:not([hidden])', { timeout: 15_000 });
    expect(await page.textContent('#banner')).toMatch(/Board lost|Board disconnected/);
    await page.screenshot({ path: artifactPath('live-page-disconnected.png') });
    await expect.poll(log, { timeout: 20_000 }).toEqual(['connected', 'reconnecting', 'connected']);
    expect(await page.getAttribute('#conn', 'data-state')).toBe('connected');
    await page.waitForSelector('#banner[data-kind="ok"]:not([hidden])', { timeout: 10_000 });
    expect(await page.textContent('#banner')).toBe('Board reconnected.');
    await page.waitForSelector('#banner[hidden]', { state: 'attached', timeout: 10_000 });
    // data flows again after the reconnect
    const before = await page.evaluate(() => (window as unknown as { tripodLive: { frames: number } }).tripodLive.frames);
    await page.waitForFunction((n) => (window as unknown as { tripodLive: { frames: number } }).tripodLive.frames > n + 10, before);
  });

  it('a hidden page gets no display frames while the host keeps every sample, and resumes when shown', async () => {
    const { page } = browser;
    const frames = (): Promise<number> => page.evaluate(() => (window as unknown as { tripodLive: { frames: number } }).tripodLive.frames);
    const setHidden = (hidden: boolean): Promise<void> =>
      page.evaluate((h) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await page.waitForTimeout(500); // frames already in flight arrive
    const f0 = await frames();
    const host0 = sim.live.hub.stats.samples;
    await page.waitForTimeout(1500);
    expect(await frames()).toBe(f0);
    expect(sim.live.hub.stats.samples - host0).toBeGreaterThan(60); // 1.5 s at 80 Hz is 120
    await expect.poll(() => page.textContent('#st-dropped')).toMatch(/^[1-9]\d* skipped$/);
    await setHidden(false);
    await page.waitForFunction((n) => (window as unknown as { tripodLive: { frames: number } }).tripodLive.frames > n + 5, f0);
    expect(sim.session.stats().consumerDropped).toBe(0);
  });

  it('tares the board from the page, after asking when someone stands on it', async () => {
    const { page } = browser;
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    const offsetsBefore = sim.session.calibration.cells.map((c) => c.offset);
    await page.click('#tare');
    await page.waitForSelector('#toast:not([hidden])', { timeout: 10_000 });
    expect(asked).toMatch(/^The board carries \d+ N now\. Tare zeroes it/);
    expect(await page.textContent('#toast')).toBe('Tared: the four cells read zero now.');
    expect(sim.session.calibration.cells.map((c) => c.offset)).not.toEqual(offsetsBefore);
    // the person still stands on the board: after the tare their weight reads as (about) zero
    await expect.poll(() => Math.abs(sim.live.hub.snapshot().last!.total), { timeout: 5000 }).toBeLessThan(60);
  });
});
