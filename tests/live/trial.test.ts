/**
 * A whole left-foot trial run from the page's controls in chromium, on the simulated board (the
 * emulator running the built firmware, driven at 4x real time, a synthetic person standing on the
 * left foot and touching down every 5 s): the result table on the page
 * must hold exactly the numbers of the host's own trial detector run on the same samples, the
 * touch-downs show as they happen, and the downloads carry the same numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialResultRows } from '../../host/live/scoring-analysis.ts';
import { createTrialDetector, type TrialResult } from '../../host/scoring/trial.ts';
import { artifactPath, launchBrowser, SKIP_BROWSER, type Browser } from './browser.ts';
import { startSimLive, type SimLive } from '../../host/live/sim-stack.ts';

const DURATION_S = 8;

describe.skipIf(SKIP_BROWSER)('a trial run from the page', () => {
  let sim: SimLive;
  let browser: Browser;

  beforeAll(async () => {
    // a touch-down every 5 s of board time: some fall inside the trial whenever it starts
    const touchDowns = Array.from({ length: 40 }, (_, i) => ({ atS: 6 + 5 * i, durationS: 0.6, fraction: 0.5 }));
    sim = await startSimLive({ speed: 4, keep: true, person: { foot: 'left', seed: 7, touchDowns }, setup: { foot: 'right', eyes: 'closed', surface: 'firm', durationS: 20 } });
    browser = await launchBrowser();
    await browser.page.goto(sim.url);
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.close();
  });

  it('ends with a result table equal to the host trial detector on the same samples', async () => {
    const { page } = browser;
    const hub = sim.live.hub;
    const server = { url: sim.url };
    await page.waitForFunction(() => (window as unknown as { tripodLive: { samples: number } }).tripodLive.samples > 10);
    await page.click('#foot button[data-value="left"]');
    await page.click('#eyes button[data-value="open"]');
    await page.fill('#duration', String(DURATION_S));
    await page.press('#duration', 'Enter');
    await expect.poll(() => hub.snapshot().trial.setup).toEqual({ foot: 'left', eyes: 'open', surface: 'firm', durationS: DURATION_S });
    await page.click('#start');
    await page.waitForSelector('#countdown:not([hidden])');
    expect(await page.textContent('#countdown-cap')).toBe('Left foot · eyes open');
    await page.waitForSelector('#trial-state[data-phase="running"]', { timeout: 20_000 });
    await page.waitForSelector('#touchdowns li', { timeout: 20_000 });
    await page.screenshot({ path: artifactPath('live-trial-running.png') });
    await page.waitForSelector('#result-table', { timeout: 30_000 });

    const trials = hub.results.list();
    expect(trials).toHaveLength(1);
    const view = trials[0]!;
    expect(view.setup).toEqual({ foot: 'left', eyes: 'open', surface: 'firm', durationS: DURATION_S });

    // the host's own detector, run again on exactly the samples the live hub fed it
    const same = sim.samples.filter((s) => s.index >= view.fromIndex && s.index <= view.toIndex);
    expect(same.length).toBe(view.toIndex - view.fromIndex + 1);
    const detector = createTrialDetector({ foot: 'left', durationS: DURATION_S });
    let result: TrialResult | null = null;
    for (const s of same) for (const e of detector.push(s)) if (e.type === 'ended') result = e.result;
    expect(result, 'the replayed detector ended the trial').not.toBeNull();
    expect(result!.endReason).toBe('duration');
    expect(result!.touchDowns.length).toBeGreaterThan(0);
    const expected = trialResultRows(result!);

    const shown = await page.$$eval('#result-table td.v', (tds) =>
      tds.map((td) => ({ key: td.getAttribute('data-key'), value: td.getAttribute('data-value'), text: td.textContent })),
    );
    expect(shown.map((r) => r.key)).toEqual(expected.map((r) => r.key));
    for (const [i, r] of expected.entries()) {
      expect(shown[i]!.value === '' ? null : Number(shown[i]!.value), r.key).toBe(r.value);
      expect(shown[i]!.text, r.key).toBe(r.text);
    }
    expect(await page.$$eval('#touchdowns li', (li) => li.length)).toBe(result!.touchDowns.length);
    expect(await page.textContent('#trial-clock')).toBe('Done');

    // downloads carry the same numbers
    const json = (await (await page.request.get(`${server.url}results.json`)).json()) as { trials: Array<{ rows: Array<{ key: string; value: number | null }> }> };
    expect(json.trials[0]!.rows.map((r) => r.value)).toEqual(expected.map((r) => r.value));
    const csv = (await (await page.request.get(`${server.url}results.csv`)).text()).trim().split('\r\n');
    expect(csv).toHaveLength(2);
    const header = csv[0]!.split(',');
    const cells = csv[1]!.split(',');
    expect(Number(cells[header.indexOf('timeHeld_s')])).toBe(result!.timeHeldS);
    expect(Number(cells[header.indexOf('area95_mm2')])).toBe(result!.sway!.area95Mm2);
    await page.screenshot({ path: artifactPath('live-trial-result.png'), fullPage: true });
  });
});
