/**
 * `npm run bench -- --only=live`: the live page's figures.
 *   live.hub_samples_per_s       samples/s the hub takes (live scorer + trial controller + frame
 *                                building), no page attached: the live path's cost per sample
 *   live.ws_bytes_per_s          WebSocket bytes/s one page receives at 80 Hz (frames + status)
 *   live.page_draw_fps           renders/s of the page in chromium, board streaming at 80 Hz
 *   live.page_draw_ms_mean/_max  time of one render (both charts' setData, the plate, the panels)
 *   live.page_heap_growth_mb_30min  page JS heap growth over 30 min of board time (simulated board
 *                                at 20x), floor of the last GCs minus floor of the first
 *   live.status_stall_ms_max     largest delay of the once-a-second status line while 200 pages are
 *                                connected and one sends 10 000 messages/s for 10 s (flood-bench.ts)
 * The browser figures need /usr/bin/chromium; without it they are left out (and said so).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import WebSocket from 'ws';
import type { BenchModule, Figures } from '../bench/types.ts';
import { DEFAULT_LAYOUT, type ForceSample, type PipelineEvent } from '../pipeline/types.ts';
import { createSyntheticPerson, personLoadSource } from '../sim/person.ts';
import { centreOfPressure } from '../pipeline/cop.ts';
import { LiveHub } from './hub.ts';
import type { ConnectionPhase } from './messages.ts';
import { scoringAnalysis } from './scoring-analysis.ts';
import { startSimLive } from './sim-stack.ts';
import { measureFlood } from './flood-bench.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

async function hubThroughput(): Promise<number> {
  const person = createSyntheticPerson({ foot: 'left', touchDowns: Array.from({ length: 50 }, (_, i) => ({ atS: 10 + 12 * i, durationS: 0.5 })) });
  const load = personLoadSource(person, DEFAULT_LAYOUT);
  const n = 80 * 600; // 10 min at 80 Hz
  const samples: ForceSample[] = [];
  for (let i = 0; i < n; i++) {
    const forces = load(i / 80);
    const total = forces[0] + forces[1] + forces[2] + forces[3];
    samples.push({ index: i, t: i / 80, hostTimeMs: 0, raw: [0, 0, 0, 0], forces, total, cop: centreOfPressure(forces, DEFAULT_LAYOUT.cells), flags: 0 });
  }
  const samples$ = new Subject<ForceSample>();
  const hub = new LiveHub(
    { label: 'bench', layout: DEFAULT_LAYOUT, nominalRateHz: 80, samples$, events$: new Subject<PipelineEvent>(), connection$: new Subject<ConnectionPhase>(), tare: async () => {} },
    scoringAnalysis(),
  );
  hub.start();
  const t0 = performance.now();
  for (const s of samples) samples$.next(s);
  const dt = (performance.now() - t0) / 1000;
  hub.stop();
  return n / dt;
}

export const bench: BenchModule = {
  name: 'live',
  async run(log) {
    const figures: Figures = {};
    figures['live.hub_samples_per_s'] = Math.round(await hubThroughput());
    log(`hub: ${figures['live.hub_samples_per_s']} samples/s (real scoring, no page)`);

    const flood = await measureFlood({ clients: 200, ratePerS: 10_000, seconds: 10 });
    figures['live.status_stall_ms_max'] = flood.statusStallMsMax;
    log(`flood: ${flood.connected} pages, one sent ${flood.sent} messages in 10 s; status line at most ${flood.statusStallMsMax} ms late (event loop lag max ${flood.loopLagMsMax} ms)`);

    // one page's WebSocket traffic at 80 Hz on the realtime simulated board
    const rt = await startSimLive();
    try {
      let bytes = 0;
      const ws = new WebSocket(`${rt.url.replace('http', 'ws')}ws`);
      ws.on('message', (d: Buffer) => (bytes += d.length));
      await new Promise((r) => setTimeout(r, 1000));
      const b0 = bytes;
      await new Promise((r) => setTimeout(r, 5000));
      figures['live.ws_bytes_per_s'] = Math.round((bytes - b0) / 5);
      ws.close();
      log(`one page receives ${figures['live.ws_bytes_per_s']} B/s at 80 Hz`);

      if (!existsSync(CHROMIUM)) {
        log(`${CHROMIUM} missing: browser figures left out (apt-get install chromium)`);
        return figures;
      }
      const { chromium } = await import('playwright-core');
      const profile = mkdtempSync(join(tmpdir(), 'tripod-bench-'));
      const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1600, height: 1000 } });
      try {
        const page = ctx.pages()[0] ?? (await ctx.newPage());
        const read = () => page.evaluate(() => {
          const l = (window as unknown as { tripodLive: { draws: number; drawMsTotal: number; drawMsMax: number } }).tripodLive;
          return { draws: l.draws, ms: l.drawMsTotal, max: l.drawMsMax };
        });
        await page.goto(rt.url);
        await page.waitForTimeout(2000);
        const a = await read();
        await page.waitForTimeout(10_000);
        const b = await read();
        figures['live.page_draw_fps'] = Math.round(((b.draws - a.draws) / 10) * 10) / 10;
        figures['live.page_draw_ms_mean'] = Math.round(((b.ms - a.ms) / Math.max(1, b.draws - a.draws)) * 100) / 100;
        figures['live.page_draw_ms_max'] = Math.round(b.max * 100) / 100;
        log(`page: ${figures['live.page_draw_fps']} renders/s, ${figures['live.page_draw_ms_mean']} ms mean, ${figures['live.page_draw_ms_max']} ms worst`);
        await page.close();

        // 30 min of board time at 20x
        const fast = await startSimLive({ speed: 20, person: { foot: 'left', touchDowns: Array.from({ length: 200 }, (_, i) => ({ atS: 10 + 9 * i, durationS: 0.5 })) } });
        try {
          const p2 = await ctx.newPage();
          await p2.goto(fast.url);
          const cdp = await ctx.newCDPSession(p2);
          const heap = async (): Promise<number> => {
            await cdp.send('HeapProfiler.collectGarbage');
            return ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
          };
          await p2.waitForTimeout(3000);
          const t0 = fast.live.hub.snapshot().last?.t ?? 0;
          const first: number[] = [];
          for (let i = 0; i < 3; i++) {
            first.push(await heap());
            await p2.waitForTimeout(1000);
          }
          while ((fast.live.hub.snapshot().last?.t ?? 0) - t0 < 1800) await p2.waitForTimeout(2000);
          const last: number[] = [];
          for (let i = 0; i < 3; i++) {
            last.push(await heap());
            await p2.waitForTimeout(1000);
          }
          figures['live.page_heap_growth_mb_30min'] = Math.round(((Math.min(...last) - Math.min(...first)) / 1e6) * 1000) / 1000;
          log(`page heap ${(Math.min(...first) / 1e6).toFixed(2)} MB -> ${(Math.min(...last) / 1e6).toFixed(2)} MB over 30 min of board time (lost ${fast.session.stats().lost})`);
        } finally {
          await fast.close();
        }
      } finally {
        await ctx.close();
        rmSync(profile, { recursive: true, force: true });
      }
    } finally {
      await rt.close();
    }
    return figures;
  },
};
