/**
 * Firmware figures from the real Espruino interpreter (firmware/real-espruino, found through
 * TRIPOD_ESPRUINO_DIR): the upload file (firmware/dist/tripod.min.js, built fresh) booted from
 * Storage and run through the scenario of tests/real-espruino (commands, 62 s of streaming at 80 Hz,
 * a command burst and a settings write), with the stand-ins' own variables taken off:
 * - firmware.real.vars_boot.{puck,mdbt42q}: variables in use 1 s after boot (after a GC);
 * - firmware.real.vars_peak.{puck,mdbt42q}: the largest usage seen (at any stand-in call, no GC:
 *   it counts garbage the collector would free, and misses what is loaded between two stand-in
 *   calls, such as a command's groups);
 * - firmware.real.free_pct.{puck,mdbt42q}: 100 * (total - peak) / total;
 * - firmware.real.vars_needed.{puck,mdbt42q}: the smallest budget (runBoard capVars: a ballast takes
 *   the rest) in which the whole scenario runs with no LOW_MEMORY, MEMORY or uncaught error, to
 *   VARS_STEP: the figure to hold against the goal, VARS_PEAK_GOAL on the Puck.js (30 % free);
 *   bisected between the variables in use after boot and the suite's budget (VARS_PEAK_NOW), both
 *   boards at once, about 90 s a step;
 *   puck = espruino-arm-2630, mdbt42q = espruino-arm-2950; a board that does not boot (OUT OF
 *   MEMORY) gets a line saying so and no figures;
 * - firmware.real.vars_boot.puck8000 / vars_peak.puck8000: the Puck.js set-up on the 8,000-variable
 *   build (what the firmware needs when it does not fit);
 * - firmware.real.vars_boot.puckJs / vars_peak.puckJs / js_path_clean.puck: the Puck.js with
 *   `native: false` in its settings (the JS read and encoder, the fallback), on its own 2,630
 *   variables: the same figures, and 1 when it ran the whole scenario cleanly (no budget: it needs
 *   more than the goal, firmware/README.md "Memory on the board");
 * - firmware.real.samples_per_s.{puck,mdbt42q}: samples the host decoded per second of streaming
 *   (qemu and a shared CPU: the interpreter's speed here, not the board's);
 * - firmware.real.native_frames_equal: 1 when the native encoder's frames on espruino-arm-8000 equal
 *   the TypeScript encoder's on the golden vectors and random streams, else 0.
 * Without the interpreter: one line saying what is missing, no figures.
 */
import { buildFirmware } from '../../firmware/build.ts';
import { goldenOps, randomOps, referenceLog, runProbe } from '../../firmware/real-espruino/native.ts';
import { findInterpreter, type Interpreter } from '../../firmware/real-espruino/runner.ts';
import { VARS_PEAK_GOAL, VARS_PEAK_NOW, markOf, runBoard, type BoardKey, type RunRecord } from '../../firmware/real-espruino/scenario.ts';
import { createStreamDecoder } from '../../protocol/frame-decoder.ts';
import type { BenchModule, Figures } from './types.ts';

function samplesPerS(r: RunRecord): number {
  const d = createStreamDecoder();
  for (const f of r.frames) d.push(f);
  const s = markOf(r, 'stopped').timeS - markOf(r, 'commands').timeS;
  return Math.round((d.stats.samples / s) * 10) / 10;
}

/** Resolution of firmware.real.vars_needed.*, variables. */
const VARS_STEP = 16;

/** True when the run went through the whole scenario with no memory flag and no uncaught error. */
function clean(r: RunRecord): boolean {
  return r.run.ended === 'done' && r.errorFlags.length === 0 && r.uncaught.length === 0 && r.finalFlags === '';
}

/** One confined run's line: what it was given and whether it ran. */
function verdict(key: string, capVars: number, r: RunRecord): string {
  return `${key}: confined to ${capVars}: ${clean(r) ? 'runs' : `fails (${r.errorFlags.join(',') || r.run.ended})`}`;
}

/**
 * Smallest budget (to VARS_STEP) in which each board runs the scenario cleanly, or null when it does
 * not at `hi` (the suite's budget). `lo` (the variables after boot) is taken as failing.
 */
async function varsNeeded(interp: Interpreter, keys: Array<'puck' | 'mdbt42q'>, lo: Record<string, number>, log: (l: string) => void): Promise<Record<string, number | null>> {
  const range: Record<string, [number, number]> = {};
  for (const k of keys) range[k] = [lo[k]!, VARS_PEAK_NOW[k]];
  const out: Record<string, number | null> = {};
  // The top first: a board that fails there has no figure.
  const top = await Promise.all(keys.map((k) => runBoard(interp, k, { capVars: VARS_PEAK_NOW[k] })));
  keys.forEach((k, n) => {
    log(verdict(k, VARS_PEAK_NOW[k], top[n]!));
    if (!clean(top[n]!)) out[k] = null;
  });
  let open = keys.filter((k) => out[k] !== null);
  while (open.length > 0) {
    const caps = open.map((k) => Math.floor((range[k]![0] + range[k]![1]) / 2));
    const rs = await Promise.all(open.map((k, n) => runBoard(interp, k, { capVars: caps[n] })));
    open.forEach((k, n) => {
      const ok = clean(rs[n]!);
      log(verdict(k, caps[n]!, rs[n]!));
      range[k]![ok ? 1 : 0] = caps[n]!;
    });
    open = open.filter((k) => range[k]![1] - range[k]![0] > VARS_STEP);
  }
  for (const k of keys) if (out[k] !== null) out[k] = range[k]![1];
  return out;
}

export const bench: BenchModule = {
  name: 'firmware-real',
  async run(log) {
    const interp = findInterpreter(['espruino-arm-2630', 'espruino-arm-2950', 'espruino-arm-8000']);
    if (typeof interp === 'string') {
      log(`firmware.real.*: not measured: ${interp}`);
      return {};
    }
    buildFirmware();
    const figures: Figures = {};
    const keys: BoardKey[] = ['puck', 'mdbt42q', 'puck8000', 'puckJs'];
    const runs = await Promise.all(keys.map((k) => runBoard(interp, k)));
    keys.forEach((key, n) => {
      const r = runs[n]!;
      if (key === 'puckJs') figures['firmware.real.js_path_clean.puck'] = clean(r) ? 1 : 0;
      if (r.run.ended !== 'done' || !r.marks.some((m) => m.label === 'boot')) {
        const oom = /OUT OF MEMORY[^\r\n]*/.exec(r.run.output)?.[0];
        log(`${key}: no figures: the run ended '${r.run.ended}'${oom ? ` (${oom.slice(0, 60)})` : ''}`);
        return;
      }
      const own = markOf(r, 'standins').usage - markOf(r, 'pre').usage;
      const total = markOf(r, 'pre').total;
      const peak = r.peak - own;
      log(`${key}: ${total} variables, stand-ins ${own}; boot ${markOf(r, 'boot').usage - own}, streaming ${markOf(r, 'streaming').usage - own}, burst ${markOf(r, 'burst').usage - own}, settings ${markOf(r, 'settings').usage - own}, peak ${peak}; error flags ${r.errorFlags.join(',') || 'none'}`);
      // Where the peak was: the largest usage seen (no GC) in the phase that ends at each mark.
      const firstBoot = r.marks.slice(0, r.marks.findIndex((m) => m.label === 'stopped') + 1);
      log(`${key}: peak by phase (up to the mark): ${firstBoot.filter((m) => m.peakBefore > 0).map((m) => `${m.label} ${m.peakBefore - own}`).join(', ')}`);
      figures[`firmware.real.vars_boot.${key}`] = markOf(r, 'boot').usage - own;
      figures[`firmware.real.vars_peak.${key}`] = peak;
      if (key === 'puck' || key === 'mdbt42q') {
        figures[`firmware.real.free_pct.${key}`] = Math.round((1000 * (total - peak)) / total) / 10;
        figures[`firmware.real.samples_per_s.${key}`] = samplesPerS(r);
      }
    });
    const capped = (['puck', 'mdbt42q'] as const).filter((k) => figures[`firmware.real.vars_boot.${k}`] !== undefined);
    const lo: Record<string, number> = {};
    for (const k of capped) lo[k] = figures[`firmware.real.vars_boot.${k}`]!;
    const needed = await varsNeeded(interp, capped, lo, log);
    for (const k of capped) {
      const v = needed[k];
      log(`${k}: runs the scenario in ${v === null ? `more than ${VARS_PEAK_NOW[k]}` : `${v}`} variables (to ${VARS_STEP}; goal ${VARS_PEAK_GOAL} on the Puck.js)`);
      if (v !== null && v !== undefined) figures[`firmware.real.vars_needed.${k}`] = v;
    }
    const ops = [...goldenOps().ops, ...randomOps(11, 4, 150)];
    const p = await runProbe(interp, 'espruino-arm-8000', ops);
    const ref = referenceLog(ops);
    const equal = p.loaded && p.finished && p.log.length === ref.length && p.log.every((l, k) => l === ref[k]);
    log(`native probe on espruino-arm-8000: loaded ${p.loaded}, ${p.log.filter((l) => l.startsWith('F ')).length} frames of ${ref.filter((l) => l.startsWith('F ')).length}, ended ${p.run.ended}`);
    figures['firmware.real.native_frames_equal'] = equal ? 1 : 0;
    return figures;
  },
};
