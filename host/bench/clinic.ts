/**
 * Clinic store figures (embedded PGlite store in a temp dir; also a PostgreSQL server when
 * TRIPOD_TEST_PG_URL is set, figures suffixed _pg):
 * - clinic.create_ms, clinic.create_cpu_ms: create a new embedded store on a machine without the
 *   pristine cluster copy (PGlite runs initdb, then the copy is kept; wall and process CPU time);
 *   clinic.create_from_copy_ms / _cpu_ms: the next new store, started from that copy;
 * - clinic.open_ms: open an existing store (PGlite starts its WebAssembly PostgreSQL);
 * - clinic.store_trial_ms: store one finished 20 s trial (result table, full result, 1,600-point
 *   CoP trace, geometry, board, calibration) in its session, median of 40;
 * - clinic.history_ms_1000: load a patient's 1,000 stored trials (100 sessions) and build every
 *   progress chart series and the progression ladder (what the page's progress call does; the
 *   page's uPlot drawing is not included): the first (cold: JIT and the database's caches) and the
 *   median of the next 9 (wall and process CPU time, the latter steady on a loaded machine);
 * - clinic.report_ms: load and render the printable report of one session (10 trials), median of 7
 *   after one warm-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchModule, Figures } from './types.ts';
import { openClinicStore, type StoreLocation } from '../clinic/open.ts';
import { buildProgress } from '../clinic/progress.ts';
import { loadReport, renderReport } from '../clinic/report.ts';
import type { ClinicStore, NewTrial } from '../clinic/types.ts';

/** CPU time of this process, ms (PGlite's WebAssembly runs on this thread: the work done, whatever the machine's load). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function trialFor(patientId: number, i: number, tracePoints: number): NewTrial {
  const day = new Date(Date.UTC(2026, 0, 1 + Math.floor(i / 10), 10, i % 10));
  const t = Array.from({ length: tracePoints }, (_, k) => k / 80);
  return {
    patientId,
    endedAt: day.toISOString(),
    conditions: { foot: i % 2 ? 'right' : 'left', eyes: i % 4 < 2 ? 'open' : 'closed', surface: i % 8 < 4 ? 'firm' : 'foam', durationS: 20 },
    summary: { timeHeldS: 10 + (i % 11), errors: i % 3, touchDowns: i % 3, completed: i % 5 !== 0, inZonePct: 50 + (i % 40), heelPct: 40, mt1Pct: 31, mt5Pct: 29, velocityMmS: 25 + (i % 9), area95Mm2: 300 + (i % 50) },
    rows: Array.from({ length: 24 }, (_, k) => ({ group: 'Sway', key: `k${k}`, label: `Row ${k}`, unit: 'mm', value: k * 1.5, text: (k * 1.5).toFixed(1), help: 'what it means' })),
    result: { timeHeldS: 10, sway: { pathMm: 600, velocityMmS: 30 }, touchDowns: [] },
    trace: { t, x: t.map((v) => 80 + 10 * Math.sin(v)), y: t.map((v) => 10 * Math.cos(v)) },
    geometry: { outline: Array.from({ length: 16 }, (_, k) => ({ x: 80 + 40 * Math.cos(k), y: 120 * Math.sin(k) })), tripod: { heel: { x: 80, y: -100 }, mt1: { x: 60, y: 80 }, mt5: { x: 110, y: 60 } }, zone: [{ x: 80, y: 0 }, { x: 90, y: 5 }, { x: 85, y: 15 }], target: { x: 85, y: 5 } },
    recording: '/data/session.tripod',
    fromIndex: i * 2000,
    toIndex: i * 2000 + 1900,
    board: { label: 'simulated board', kind: 'sim', firmware: '1.0.0', name: 'sim' },
    calibration: { cells: [1, 2, 3, 4].map((c) => ({ offset: c, scale: 0.001 })), source: 'board' },
  };
}

/** Wall and CPU ms of opening (and closing) a store at `loc`. */
async function timeOpen(loc: StoreLocation): Promise<{ ms: number; cpuMs: number }> {
  const c0 = cpuMs();
  const t0 = performance.now();
  const store = await openClinicStore(loc);
  const ms = performance.now() - t0;
  const cpu = cpuMs() - c0;
  await store.close();
  return { ms, cpuMs: cpu };
}

async function measure(loc: StoreLocation, suffix: string, log: (l: string) => void): Promise<Figures> {
  const created = await timeOpen(loc);
  let store: ClinicStore = await openClinicStore(loc);
  const p = await store.createPatient({ code: 'BENCH-1' });
  const storeMs: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const full = i < 40;
    const t = trialFor(p.id, i, full ? 1600 : 50);
    const t0 = performance.now();
    await store.addTrial(t);
    if (full) storeMs.push(performance.now() - t0);
  }
  log(`stored 1000 trials in 100 sessions (${store.description})`);
  await store.close();
  const o0 = performance.now();
  store = await openClinicStore(loc);
  const openMs = performance.now() - o0;
  const hist: number[] = [];
  const histCpu: number[] = [];
  let charted = 0;
  for (let r = 0; r < 10; r++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    const trials = await store.trials(p.id);
    const progress = buildProgress(trials, await store.rule(p.id));
    hist.push(performance.now() - t0);
    histCpu.push(cpuMs() - c0);
    charted = progress.charts.reduce((a, c) => a + c.series.reduce((b, s) => b + s.y.filter((v) => v !== null).length, 0), 0);
  }
  log(`history: ${charted} chart points over ${(await store.sessions('BENCH-1')).length} sessions`);
  const sessions = await store.sessions('BENCH-1');
  const rep: number[] = [];
  let bytes = 0;
  for (let r = 0; r < 8; r++) {
    const t0 = performance.now();
    const html = renderReport(await loadReport(store, 'BENCH-1', sessions[sessions.length - 1]!.id));
    rep.push(performance.now() - t0);
    bytes = html.length;
  }
  log(`report: ${bytes} bytes of HTML`);
  await store.close();
  const r2 = (v: number): number => Math.round(v * 100) / 100;
  return {
    [`clinic.create_ms${suffix}`]: r2(created.ms),
    [`clinic.create_cpu_ms${suffix}`]: r2(created.cpuMs),
    [`clinic.open_ms${suffix}`]: r2(openMs),
    [`clinic.store_trial_ms${suffix}`]: r2(median(storeMs)),
    [`clinic.history_cold_ms_1000${suffix}`]: r2(hist[0]!),
    [`clinic.history_ms_1000${suffix}`]: r2(median(hist.slice(1))),
    [`clinic.history_cpu_ms_1000${suffix}`]: r2(median(histCpu.slice(1))),
    [`clinic.report_ms${suffix}`]: r2(median(rep.slice(1))),
  };
}

export const bench: BenchModule = {
  name: 'clinic',
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'tripod-bench-clinic-'));
    // a cache of its own: the first new store runs initdb whatever this machine's cache holds
    const cache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(dir, 'cache');
    try {
      const figures = await measure({ dir: join(dir, 'store') }, '', log);
      const copied = await timeOpen({ dir: join(dir, 'second') });
      figures['clinic.create_from_copy_ms'] = Math.round(copied.ms * 100) / 100;
      figures['clinic.create_from_copy_cpu_ms'] = Math.round(copied.cpuMs * 100) / 100;
      const url = process.env.TRIPOD_TEST_PG_URL;
      if (url) Object.assign(figures, await measure({ url, schema: `bench_${Date.now().toString(36)}` }, '_pg', log));
      else log('TRIPOD_TEST_PG_URL not set: no PostgreSQL server figures');
      return figures;
    } finally {
      if (cache === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = cache;
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
