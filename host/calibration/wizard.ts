/**
 * The calibration flow, independent of terminals and transports: tare on the empty board, the known
 * mass at each marked position, solve, check, then (if accepted and confirmed) write the result.
 * The board side is `CalibrationTarget` (raw samples in, calibration out); the person side is
 * `WizardUi` (instructions, progress, confirmation): the CLI gives a readline prompt or the scripted
 * mode, and `--sim` a simulated person that moves the mass on the emulator.
 *
 * Each step waits for a steady window (stability.ts). For a position, the load must first appear
 * (tared total above half the weight through the nominal scale), then fresh windows are measured
 * until one is steady; after `maxAttempts` unsteady windows (the mass keeps moving) the calibration
 * is refused with code 'moved'.
 */
import type { Observable, Subscription } from 'rxjs';
import type { BoardLayout, CellCalibration, PointMm } from '../pipeline/types.ts';
import { REFERENCE_SCALE_N_PER_COUNT } from '../pipeline/calibration.ts';
import { calibrationWarnings, checkCalibration, type CheckOptions, type Refusal } from './check.ts';
import { calibrationPositions, describePosition, type MarkedPosition } from './positions.ts';
import { CalibrationSolveError, solveScales, STANDARD_GRAVITY, type PositionMeasurement, type ScaleSolution } from './solve.ts';
import { StabilityWindow, type WindowStats } from './stability.ts';

type Quad = [number, number, number, number];

export interface RawSample {
  raw: Quad;
  /** Protocol status flags (FLAG_CELLn_STALE = 1 << n: that cell's HX711 did not answer). Defaults to 0. */
  flags?: number;
}

/** A cell flagged stale in more than this fraction of a window's samples is a fault. */
export const MAX_STALE_FRACTION = 0.2;

export interface CalibrationTarget {
  /** Raw counts per sample, as the board streams them. */
  samples$: Observable<RawSample>;
  /** Samples per second (for window lengths). */
  sampleRateHz: number;
  /** N per count per cell for thresholds only (board calibration, or the reference cell). */
  nominalScale: Quad;
}

export type WizardStep = { kind: 'tare' } | { kind: 'place'; index: number; of: number; mark: MarkedPosition; massKg: number; description: string } | { kind: 'remove' };

export type WizardProgress =
  | { phase: 'waiting-load'; step: WizardStep; totalN: number }
  | { phase: 'settling'; step: WizardStep; stats: WindowStats }
  | { phase: 'measuring'; step: WizardStep; fraction: number }
  | { phase: 'unsteady'; step: WizardStep; attempt: number; stats: WindowStats }
  | { phase: 'measured'; step: WizardStep; meanCounts: Quad };

export interface WizardUi {
  /** Tells the person what to do; resolves when they say it is done (scripted: at once). */
  instruct(step: WizardStep): Promise<void>;
  progress(p: WizardProgress): void;
}

export interface WizardOptions {
  massKg: number;
  layout: BoardLayout;
  /** Defaults to calibrationPositions(layout). */
  positions?: MarkedPosition[];
  /** Averaging window, s. Defaults to 2. */
  windowS?: number;
  /** Longest wait for the load to appear and settle at one step, s. Defaults to 60. */
  stepTimeoutS?: number;
  /** Windows measured at one step (the first may catch the placement transient) before refusing with 'moved'. Defaults to 4. */
  maxAttempts?: number;
  /** Per-cell steadiness limits, N (see stability.ts). */
  maxStdN?: number;
  maxDriftN?: number;
  check?: CheckOptions;
  signal?: AbortSignal;
}

export interface CalibrationOutcome {
  accepted: boolean;
  refusals: Refusal[];
  /** Advice that did not refuse the result (see check.ts calibrationWarnings). */
  warnings: string[];
  offsets: Quad;
  measurements: PositionMeasurement[];
  /** Null when the solve itself failed (the reason is in refusals). */
  solution: ScaleSolution | null;
  cells: [CellCalibration, CellCalibration, CellCalibration, CellCalibration] | null;
  massKg: number;
  layoutCells: PointMm[];
}

export class WizardAbort extends Error {
  override readonly name = 'WizardAbort';
  constructor(
    readonly refusal: Refusal,
  ) {
    super(refusal.message);
  }
}

/** Runs the whole flow. Never writes anything: the caller writes an accepted outcome. */
export async function runCalibrationWizard(target: CalibrationTarget, ui: WizardUi, opts: WizardOptions): Promise<CalibrationOutcome> {
  const positions = opts.positions ?? calibrationPositions(opts.layout);
  const windowSamples = Math.max(8, Math.round((opts.windowS ?? 2) * target.sampleRateHz));
  const base: Omit<CalibrationOutcome, 'accepted' | 'refusals' | 'solution' | 'cells'> = {
    warnings: [],
    offsets: [0, 0, 0, 0],
    measurements: [],
    massKg: opts.massKg,
    layoutCells: opts.layout.cells.map((p) => ({ ...p })),
  };
  const reader = new SampleReader(target.samples$);
  try {
    const tareStep: WizardStep = { kind: 'tare' };
    await ui.instruct(tareStep);
    reader.flush();
    const tare = await measureSteady(reader, ui, tareStep, target, windowSamples, opts, null);
    base.offsets = tare;
    ui.progress({ phase: 'measured', step: tareStep, meanCounts: tare });

    for (let k = 0; k < positions.length; k++) {
      const mark = positions[k]!;
      const step: WizardStep = { kind: 'place', index: k, of: positions.length, mark, massKg: opts.massKg, description: describePosition(mark.position) };
      await ui.instruct(step);
      reader.flush();
      const previous = base.measurements.at(-1)?.meanCounts ?? null;
      const mean = await measureSteady(reader, ui, step, target, windowSamples, opts, tare, previous);
      base.measurements.push({ position: mark.position, name: mark.name, meanCounts: mean });
      ui.progress({ phase: 'measured', step, meanCounts: mean });
    }
    await ui.instruct({ kind: 'remove' });
  } catch (e) {
    if (e instanceof WizardAbort) return { ...base, accepted: false, refusals: [e.refusal], solution: null, cells: null };
    throw e;
  } finally {
    reader.close();
  }

  let solution: ScaleSolution;
  try {
    solution = solveScales(base.offsets, base.measurements, opts.massKg, opts.layout.cells);
  } catch (e) {
    if (e instanceof CalibrationSolveError) {
      return { ...base, accepted: false, refusals: [{ code: 'ill-posed', message: e.message }], solution: null, cells: null };
    }
    throw e;
  }
  const refusals = checkCalibration(solution, opts.massKg, opts.check);
  const warnings = refusals.length === 0 ? calibrationWarnings(solution, opts.massKg, REFERENCE_SCALE_N_PER_COUNT, Boolean(opts.check?.priorScales)) : [];
  return { ...base, warnings, accepted: refusals.length === 0, refusals, solution, cells: solution.cells };
}

/**
 * Waits for a steady window at one step. With `tare` given (a position step), first waits until the
 * tared total through the nominal scale exceeds half the mass's weight.
 */
async function measureSteady(
  reader: SampleReader,
  ui: WizardUi,
  step: WizardStep,
  target: CalibrationTarget,
  windowSamples: number,
  opts: WizardOptions,
  tare: Quad | null,
  previous: Quad | null = null,
): Promise<Quad> {
  const timeoutMs = (opts.stepTimeoutS ?? 60) * 1000;
  const deadline = Date.now() + timeoutMs;
  const win = new StabilityWindow({ windowSamples, nominalScale: target.nominalScale, maxStdN: opts.maxStdN, maxDriftN: opts.maxDriftN });
  const name = step.kind === 'place' ? step.mark.name : 'the empty plate';
  const next = async (): Promise<{ raw: Quad; flags: number }> => {
    if (opts.signal?.aborted) throw new WizardAbort({ code: 'not-steady', message: 'calibration interrupted; nothing was written' });
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new WizardAbort({
        code: 'not-steady',
        message: tare
          ? `no steady load of about ${(opts.massKg * STANDARD_GRAVITY).toFixed(1)} N appeared at ${name} within ${timeoutMs / 1000} s: is the mass on the plate, and is the board streaming?`
          : `the empty plate did not settle within ${timeoutMs / 1000} s: keep it clear and still (nothing touching it), then run again`,
      });
    }
    return reader.next(left);
  };

  if (tare) {
    const W = opts.massKg * STANDARD_GRAVITY;
    const need = 0.5 * W;
    let lastReport = 0;
    for (;;) {
      const { raw } = await next();
      const total = raw.reduce((a, c, i) => a + (c - tare[i]!) * target.nominalScale[i]!, 0);
      // After the first position the load is already there: wait until it has left the last mark
      // (some cell's share changed by at least 15 % of the weight; neighbouring marks differ by > 40 %).
      const moved = previous === null || raw.some((c, i) => Math.abs((c - previous[i]!) * target.nominalScale[i]!) >= 0.15 * W);
      if (total >= need && moved) break;
      if (Date.now() - lastReport > 500) {
        ui.progress({ phase: 'waiting-load', step, totalN: total });
        lastReport = Date.now();
      }
    }
  }

  // The first window often holds the placement transient: it counts as an attempt like any other.
  const attempts = opts.maxAttempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    win.clear();
    const stale = [0, 0, 0, 0];
    while (!win.full()) {
      const sample = await next();
      win.push(sample.raw);
      for (let c = 0; c < 4; c++) if (sample.flags & (1 << c)) stale[c]!++;
      const s = win.stats();
      if (s.count % Math.max(1, Math.round(windowSamples / 10)) === 0) ui.progress({ phase: 'measuring', step, fraction: s.count / windowSamples });
    }
    const s = win.stats();
    const faulty = stale.findIndex((n) => n > MAX_STALE_FRACTION * windowSamples);
    if (faulty >= 0) {
      throw new WizardAbort({
        code: 'cell-fault',
        message: `cell ${faulty}'s HX711 did not answer in ${Math.round((100 * stale[faulty]!) / windowSamples)} % of the samples at ${name}: check its DOUT, clock and power wiring; nothing was written`,
      });
    }
    if (s.steady) return s.mean;
    ui.progress({ phase: 'unsteady', step, attempt, stats: s });
    if (attempt >= attempts) {
      throw new WizardAbort({
        code: 'moved',
        message: `the load at ${name} kept moving (${attempts} windows of ${(windowSamples / target.sampleRateHz).toFixed(1)} s, worst drift ${s.worstDriftN.toFixed(2)} N, worst noise ${s.worstStdN.toFixed(2)} N per cell): the mass moved or something touched the plate; nothing was written`,
      });
    }
  }
}

/** Pull-style access to a hot Observable: a bounded queue and a promise per sample. */
export class SampleReader {
  private readonly queue: Array<{ raw: Quad; flags: number }> = [];
  private waiter: { resolve: (q: { raw: Quad; flags: number }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  private readonly sub: Subscription;
  private error: Error | null = null;

  constructor(samples$: Observable<RawSample>, private readonly maxQueue = 100_000) {
    this.sub = samples$.subscribe({
      next: (s) => {
        const q = { raw: [s.raw[0], s.raw[1], s.raw[2], s.raw[3]] as Quad, flags: s.flags ?? 0 };
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = null;
          clearTimeout(w.timer);
          w.resolve(q);
        } else if (this.queue.length < this.maxQueue) {
          this.queue.push(q);
        }
      },
      error: (e: unknown) => this.fail(e instanceof Error ? e : new Error(String(e))),
      complete: () => this.fail(new Error('the board stopped streaming during calibration')),
    });
  }

  next(timeoutMs: number): Promise<{ raw: Quad; flags: number }> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    if (this.error) return Promise.reject(this.error);
    return new Promise<{ raw: Quad; flags: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new WizardAbort({ code: 'not-steady', message: `no samples from the board for ${(timeoutMs / 1000).toFixed(0)} s: is it still connected and streaming?` }));
      }, timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
  }

  /** Drops what arrived before now (samples taken while the person was still moving things). */
  flush(): void {
    this.queue.length = 0;
  }

  close(): void {
    this.sub.unsubscribe();
    if (this.waiter) clearTimeout(this.waiter.timer);
  }

  private fail(e: Error): void {
    this.error = e;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      clearTimeout(w.timer);
      w.reject(e);
    }
  }
}
