/**
 * The clinic on the live page, as a therapist uses it, in chromium against `tripod live --sim`
 * (the real CLI, the emulated board, the synthetic person on the left foot) with an embedded store:
 * add a patient, run two trials from the page, reload, restart the server: both trials are listed
 * and charted; SIGKILL the server in the middle of a third: the first two are still there, with
 * the recording file, the board and its calibration. A wrong-foot run shows one clear instruction
 * and never a share outside 0-100 %; the cue changes at most about once a second and never says
 * good below the good band.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchBrowser, SKIP_BROWSER, type Browser } from '../live/browser.ts';
import { ROOT, startLiveProcess, type LiveProcess } from './live-process.ts';

const BODY_WEIGHT = ['--body-weight', '686'];

type W = { tripodClinic: { storedTrials: number; chartedPoints: number; patient: string | null }; tripodLive: { samples: number } };

async function runTrial(page: Page, n: number): Promise<void> {
  await page.click('#start');
  await page.waitForFunction((k) => (window as unknown as W).tripodClinic.storedTrials >= k, n, { timeout: 40_000 });
}

async function setDuration(page: Page, s: number): Promise<void> {
  await page.fill('#duration', String(s));
  await page.press('#duration', 'Enter');
}

describe.skipIf(SKIP_BROWSER)('clinic: patients and stored trials on the live page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripod-clinic-page-'));
  const store = join(dir, 'store');
  const rec = join(dir, 'session.tripod');
  let live: LiveProcess | null = null;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser({ width: 1280, height: 800 });
  });
  afterAll(async () => {
    await browser?.close();
    await live?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  // the first start creates the store (PGlite's initdb in WebAssembly: ~10 s here, minutes on a
  // machine shared by several test runs)
  it('stores two trials for a new patient; they survive a reload and a server restart', { timeout: 480_000 }, async () => {
    live = await startLiveProcess(['--store', store, '--record', rec, ...BODY_WEIGHT], 300_000);
    const { page } = browser;
    await page.goto(live.url);
    await page.waitForFunction(() => (window as unknown as W).tripodLive.samples > 20);
    await page.waitForSelector('#store-desc:has-text("embedded")');
    await page.click('#add-patient summary');
    await page.fill('#p-code', 'P-TEST');
    await page.fill('#p-notes', 'right ankle sprain');
    await page.click('#patient-form button[type=submit]');
    // the store writes the patient in the server (PGlite): more than poll's default 1 s on a loaded machine
    await expect.poll(() => page.inputValue('#patient'), { timeout: 20_000 }).toBe('P-TEST');
    await setDuration(page, 3);
    await page.click('#eyes button[data-value="closed"]');
    await runTrial(page, 1);
    await page.click('#eyes button[data-value="open"]');
    await page.click('#surface button[data-value="foam"]');
    await runTrial(page, 2);
    const check = async (): Promise<void> => {
      await page.waitForFunction(() => (window as unknown as W).tripodClinic.storedTrials === 2, undefined, { timeout: 20_000 });
      expect(await page.$$eval('#stored li', (li) => li.map((l) => l.textContent))).toEqual([
        expect.stringMatching(/L, eyes open, foam · held 3\.\d s/),
        expect.stringMatching(/L, eyes closed, firm · held 3\.\d s/),
      ]);
      // charted: every metric chart has both conditions' points
      expect(await page.evaluate(() => (window as unknown as W).tripodClinic.chartedPoints)).toBeGreaterThanOrEqual(16);
      expect(await page.$$eval('.progress-chart[data-progress="timeHeldS"] canvas', (c) => c.length)).toBe(1);
      const labels = await page.$$eval('.progress-chart[data-progress="timeHeldS"] .u-legend .u-label', (l) => l.map((x) => x.textContent));
      expect(labels).toEqual(expect.arrayContaining(['L · eyes closed · firm', 'L · eyes open · foam']));
      expect(await page.textContent('#next-level')).toMatch(/Left foot: next level 1: eyes open, firm surface, hold 10 s \(0 of 3 sessions in a row met\)/);
    };
    await check();
    // the table's time in zone and the live card agree once the trial is done
    const tableText = await page.textContent('#result-table td.v[data-key="inZonePct"]');
    await expect.poll(() => page.textContent('#inzone')).toBe(tableText);
    await page.screenshot({ path: artifactPath('clinic-two-trials.png'), fullPage: true });
    await page.reload();
    await check();
    // restart the server on the same store, with the patient chosen by flag
    expect(await live.stop('SIGINT')).toBe(0);
    live = await startLiveProcess(['--store', store, '--patient', 'P-TEST', ...BODY_WEIGHT], 120_000);
    await page.goto(live.url);
    await expect.poll(() => page.inputValue('#patient'), { timeout: 20_000 }).toBe('P-TEST');
    await check();
    // the Report button's page, and a write from another site refused
    const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#report')]);
    await popup.waitForLoadState();
    expect(await popup.textContent('h1')).toBe('Single-leg stance · P-TEST');
    await popup.close();
    const evil = await page.request.post(`${live.url}api/clinic/select`, { headers: { origin: 'http://evil.example', 'content-type': 'application/json' }, data: { code: null } });
    expect(evil.status()).toBe(403);
    const bad = await page.request.post(`${live.url}api/clinic/patients`, { headers: { 'content-type': 'application/json' }, data: { code: 'has space' } });
    expect(bad.status()).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^patient code must be 1-32 letters/);
  });

  it('a SIGKILL in the middle of a third trial loses nothing stored', { timeout: 120_000 }, async () => {
    const { page } = browser;
    await setDuration(page, 30);
    await page.click('#start');
    await page.waitForSelector('#trial-state[data-phase="running"]', { timeout: 30_000 });
    live!.child.kill('SIGKILL');
    expect(await live!.exit).toBeNull();
    const r = spawnSync(process.execPath, [join(ROOT, 'host/cli/bin.mjs'), 'sessions', '--store', store, '--patient', 'P-TEST', '--trials', '--format', 'json'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { trials: Array<{ conditions: { eyes: string; surface: string }; recording: string | null; board: { label: string }; calibration: { cells: unknown[] } }> };
    expect(j.trials.map((t) => `${t.conditions.eyes}/${t.conditions.surface}`)).toEqual(['closed/firm', 'open/foam']);
    for (const t of j.trials) {
      expect(t.recording).toBe(rec);
      expect(t.board.label).toBe('simulated board');
      expect(t.calibration.cells).toHaveLength(4);
    }
  });

  it('prints the report to one or two A4 pages with nothing clipped', { timeout: 60_000 }, async () => {
    const out = join(dir, 'report.html');
    const r = spawnSync(process.execPath, [join(ROOT, 'host/cli/bin.mjs'), 'report', '--store', store, '--patient', 'P-TEST', '--out', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^tripod report: .*report\.html \(P-TEST, 1 session, 2 trials\)\n$/);
    const { page } = browser;
    await page.goto(`file://${out}`);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(2);
    // nothing clipped: no element sticks out of the printable width or overflows its own box
    const bad = await page.evaluate(() => {
      const out: string[] = [];
      const width = document.documentElement.clientWidth;
      for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
        const b = el.getBoundingClientRect();
        if (b.width === 0) continue;
        if (b.right > width + 0.5 || b.left < -0.5) out.push(`${el.tagName}.${el.className} ${b.left}..${b.right} of ${width}`);
        if ((el.tagName === 'TD' || el.tagName === 'TH' || el.tagName === 'DD') && el.scrollWidth > el.clientWidth + 1) out.push(`${el.tagName} text clipped: ${el.textContent}`);
      }
      return out;
    });
    expect(bad).toEqual([]);
    expect(await page.$$eval('table.trials tbody tr', (tr) => tr.length)).toBe(2);
    expect(await page.$$eval('svg.trace path.cop', (p) => p.length)).toBe(2);
    await page.emulateMedia({ media: 'screen' });
    await page.screenshot({ path: artifactPath('clinic-report.png'), fullPage: true });
  });

  it('fits phone, tablet and desktop; a wrong foot gets one clear instruction and no share outside 0-100 %', { timeout: 400_000 }, async () => {
    live = await startLiveProcess(['--store', store, ...BODY_WEIGHT], 300_000);
    const { page } = browser;
    await page.goto(live.url);
    await page.waitForFunction(() => (window as unknown as W).tripodLive.samples > 200, undefined, { timeout: 20_000 });
    for (const [w, h] of [
      [390, 844],
      [768, 1024],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(600);
      const wide = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const out: string[] = [];
        if (document.documentElement.scrollWidth > vw) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
        for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
          const b = el.getBoundingClientRect();
          if (b.width > 0 && (b.right > vw + 0.5 || b.left < -0.5)) out.push(`${el.tagName}#${el.id}.${el.className} ${Math.round(b.left)}..${Math.round(b.right)}`);
        }
        // the cue, the numbers and the share values show whole
        for (const el of Array.from(document.querySelectorAll<HTMLElement>('.cue, .big, .share-val, .share-name, .btn, .seg button, h2'))) {
          if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) out.push(`clipped: ${el.className} "${el.textContent}"`);
        }
        const fill = document.querySelector<HTMLElement>('.share[data-part="heel"] .share-track')!.getBoundingClientRect().width;
        if (fill < 40) out.push(`share bar only ${fill} px wide`);
        return out;
      });
      expect(wide, `${w}x${h}`).toEqual([]);
      const plate = await page.evaluate(() => (window as unknown as { tripodLive: { plate: { zoneAreaPx: number; dotRadiusPx: number } } }).tripodLive.plate);
      // the target zone is drawn at the tolerance's size, many times the CoP dot
      expect(plate.zoneAreaPx, `${w}x${h} zone`).toBeGreaterThan(5 * Math.PI * plate.dotRadiusPx ** 2);
      await page.screenshot({ path: artifactPath(`clinic-live-${w}x${h}.png`), fullPage: true });
    }
    type CueLog = { log: Array<{ t: number; cue: string; kind: string }>; goodBelowBand: number };
    const cueLog = (): Promise<CueLog> => page.evaluate(() => (window as unknown as { tripodCue: CueLog }).tripodCue);
    // at most one change a second of board time, as the page received them
    const paced = (log: CueLog['log']): void => {
      for (let i = 1; i < log.length; i++) {
        const prev = log[i - 1]!;
        if (prev.kind === 'good') continue; // "Good" is withdrawn at once when the score leaves the band
        expect(log[i]!.t - prev.t, `${prev.cue} -> ${log[i]!.cue}`).toBeGreaterThanOrEqual(0.95); // the frame carries the view after its last sample: up to one 33 ms frame of slack
      }
    };
    await page.waitForTimeout(4000);
    const before = await cueLog();
    expect(before.log.length).toBeGreaterThan(1);
    paced(before.log);
    // the synthetic person stands on the left foot; the therapist sets the right one (a new setup
    // starts a new cue)
    await page.click('#foot button[data-value="right"]');
    await page.waitForSelector('#cue[data-kind="wrong-foot"]', { timeout: 10_000 });
    const switchedAt = (await cueLog()).log.length - 1;
    expect(await page.textContent('#cue')).toBe('Wrong foot: that is the left foot. Stand on your RIGHT foot');
    await page.click('#start');
    const shares: string[] = [];
    for (let i = 0; i < 40; i++) {
      shares.push(...(await page.$$eval('.share-val', (v) => v.map((x) => x.textContent ?? ''))));
      await page.waitForTimeout(100);
    }
    for (const s of shares) {
      expect(s).toMatch(/^(outside|—|\d{1,3}%)$/);
      if (s.endsWith('%')) expect(Number(s.slice(0, -1))).toBeLessThanOrEqual(100);
    }
    expect(await page.getAttribute('#cue', 'data-kind')).toBe('wrong-foot');
    expect(await page.textContent('#trial-note')).toMatch(/That is the left foot: stand on the right foot outline|Waiting for a steady stance/);
    await page.screenshot({ path: artifactPath('clinic-wrong-foot.png') });
    await page.click('#stop');
    const after = await cueLog();
    paced(after.log.slice(switchedAt));
    expect(after.goodBelowBand).toBe(0);
    await live.stop('SIGINT');
  });
});
