/**
 * `tripod calibrate` as a library: open the board (or the simulated one), run the wizard on its raw
 * samples, and write an accepted result to the board (SET_CALIBRATION per cell, read back) and to a
 * calibration file. The CLI command is a thin shell around `runCalibration`.
 */
import { map } from 'rxjs';
import type { BoardSource } from '../source.ts';
import { REFERENCE_SCALE_N_PER_COUNT } from '../pipeline/calibration.ts';
import type { BoardLayout } from '../pipeline/types.ts';
import type { BoardSession, OpenBoardOptions } from '../session.ts';
import type { CellCalibrationRecord, DeviceInfo } from '../../protocol/index.ts';
import type { CommandClient } from '../transport/commands.ts';
import { simBoardStorage } from '../transport/sim.ts';
import { checkWritable } from '../util/atomic-write.ts';
import { boardRecords, calibrationFileContent, writeCalibrationFile } from './output.ts';
import { simulatedPerson, type SimMisbehaviour } from './sim-person.ts';
import { runCalibrationWizard, type CalibrationOutcome, type WizardOptions, type WizardUi } from './wizard.ts';

type Quad = [number, number, number, number];

/**
 * The simulated board's deliberately wrong cells: gains off by up to +-8 % and offsets of
 * 10^4..10^5 counts, so a calibration has something real to recover (tests compare with these).
 */
export const SIM_CALIBRATION_CELLS = [
  { gainError: 0.08, offsetCounts: 52_000 },
  { gainError: -0.08, offsetCounts: -31_500 },
  { gainError: 0.05, offsetCounts: 87_250 },
  { gainError: -0.06, offsetCounts: 14_800 },
] as const;

/** N per count the simulated cells really have: 1 / (4379.7 counts/N x (1 + gain error)). */
export async function simTrueScales(): Promise<Quad> {
  const { COUNTS_PER_NEWTON_A128 } = await import('../../firmware/emulator/index.ts');
  return SIM_CALIBRATION_CELLS.map((c) => 1 / (COUNTS_PER_NEWTON_A128 * (1 + c.gainError))) as Quad;
}

/** The emulator pieces the simulated calibration drives (firmware/emulator/index.ts). */
export interface SimCalibrationBoard {
  setLoads(fn: (t: number) => Quad): void;
  setCell(index: number, o: { unplugged?: boolean }): void;
  stop(): void;
  ble: { connect(o?: { mtu?: number }): unknown };
}

export interface SimBoardOptions {
  seed?: number;
  /** Boot with the cells' true calibration already stored (tripod.cal), as after an earlier calibration. */
  storedCalibration?: boolean;
  /** 'realtime' (the CLI) or a virtual clock driven `speed` times faster than the wall clock (tests, bench). */
  speed?: number;
}

/** Creates the mis-scaled emulated board. With speed > 1 a timer advances its virtual clock. */
export async function createSimCalibrationBoard(opts: SimBoardOptions = {}): Promise<SimCalibrationBoard> {
  const { createBoard } = await import('../../firmware/emulator/index.ts');
  const speed = opts.speed ?? 1;
  const cells = SIM_CALIBRATION_CELLS.map((c) => ({ ...c }));
  // Paired with the simulated board's key, which SimTransport uses (host/transport/sim.ts).
  const storage = simBoardStorage();
  if (opts.storedCalibration) {
    // firmware/src/settings.ts CALIBRATION_FILE: {v: 1, cells: [{offset, scale, x, y}]}.
    const scales = await simTrueScales();
    const xy = [[180, 180], [-180, 180], [-180, -180], [180, -180]];
    storage['tripod.cal'] = JSON.stringify({ v: 1, cells: cells.map((c, i) => ({ offset: c.offsetCounts, scale: scales[i], x: xy[i]![0], y: xy[i]![1] })) });
  }
  if (speed <= 1) return createBoard({ clock: 'realtime', seed: opts.seed ?? 7, cells, storage });
  const board = createBoard({ clock: 'virtual', seed: opts.seed ?? 7, cells, storage });
  const stepMs = 4;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    // Bounded step: a slow host slows the board down instead of making it jump.
    board.advance(Math.min(0.2, ((now - last) / 1000) * speed));
    last = now;
  }, stepMs);
  return {
    setLoads: (fn) => board.setLoads(fn),
    setCell: (i, o) => board.setCell(i, o),
    ble: board.ble,
    stop: () => {
      clearInterval(timer);
      board.stop();
    },
  };
}

export interface RunCalibrationOptions {
  source: BoardSource;
  massKg: number;
  layout?: BoardLayout;
  /** The person side. For the simulated board it is wrapped by the simulated person. */
  ui: WizardUi;
  /** Asked before writing an accepted result; resolve false to write nothing. Defaults to yes. */
  confirm?: (outcome: CalibrationOutcome) => Promise<boolean>;
  /** Calibration file to write, or null for none. */
  outFile: string | null;
  /** Write the result to the board. Defaults to true. */
  writeBoard?: boolean;
  /** Ignore the board's stored calibration for the wrong-mass check. */
  ignorePrevious?: boolean;
  wizard?: Partial<Omit<WizardOptions, 'massKg' | 'layout'>>;
  /** Simulated board only. */
  sim?: SimBoardOptions & { misbehave?: SimMisbehaviour; board?: SimCalibrationBoard };
  openOptions?: OpenBoardOptions;
  onSession?: (s: BoardSession) => void;
}

export interface RunCalibrationResult {
  outcome: CalibrationOutcome;
  writtenToBoard: boolean;
  file: string | null;
  /** What the board stored, read back after writing. */
  boardReadBack: Array<{ offset: number; scale: number }> | null;
  info: DeviceInfo | null;
}

/** Stores `records` on the board (SET_CALIBRATION per cell) and reads them back; throws on a mismatch. */
async function writeBoardCalibration(commands: CommandClient, records: CellCalibrationRecord[]): Promise<Array<{ offset: number; scale: number }>> {
  for (const r of records) await commands.setCalibration(r);
  const stored = await commands.getCalibration();
  stored.forEach((r, i) => {
    const want = records.find((x) => x.cell === r.cell) ?? records[i]!;
    // The board keeps offset as int32 and scale as float32 (relative error < 1e-7).
    if (r.offset !== want.offset || Math.abs(r.scale / want.scale - 1) > 1e-6) {
      throw new Error(`the board stored cell ${r.cell} as offset ${r.offset}, scale ${r.scale} instead of ${want.offset}, ${want.scale}`);
    }
  });
  return stored.map((r) => ({ offset: r.offset, scale: r.scale }));
}

export async function runCalibration(opts: RunCalibrationOptions): Promise<RunCalibrationResult> {
  // Every output is checked before the first step: a wrong --out must not cost a whole wizard.
  if (opts.outFile) checkWritable(opts.outFile, { overwrite: true });
  const { openBoard } = await import('../session.ts');
  let simBoard: SimCalibrationBoard | null = null;
  let ownsSim = false;
  let ui = opts.ui;
  const layoutOpt = opts.layout;
  if (opts.source.kind === 'sim') {
    simBoard = opts.sim?.board ?? (await createSimCalibrationBoard(opts.sim));
    ownsSim = !opts.sim?.board;
  }
  let session: BoardSession;
  try {
    session = await openBoard(opts.source, {
      ...opts.openOptions,
      ...(simBoard ? { sim: { ...opts.openOptions?.sim, board: simBoard as never } } : {}),
    });
  } catch (e) {
    if (ownsSim) simBoard?.stop();
    throw e;
  }
  opts.onSession?.(session);
  try {
    const info = session.commands ? ((session.info as DeviceInfo | null) ?? null) : null;
    const cal = session.calibration;
    const layout = layoutOpt ?? cal.layout;
    if (simBoard) ui = simulatedPerson(simBoard, layout, opts.massKg, opts.sim?.misbehave ?? {}, opts.ui);
    const nominal = cal.cells.map((c) => (Number.isFinite(c.scale) && c.scale !== 0 ? c.scale : REFERENCE_SCALE_N_PER_COUNT)) as Quad;
    const boardCalibrated = info?.calibrated === true;
    const outcome = await runCalibrationWizard(
      {
        samples$: session.samples$.pipe(map((s) => ({ raw: s.raw, flags: s.flags }))),
        sampleRateHz: info?.sampleRateHz ?? 80,
        nominalScale: nominal,
      },
      ui,
      {
        massKg: opts.massKg,
        layout,
        ...opts.wizard,
        check: { ...opts.wizard?.check, priorScales: boardCalibrated && !opts.ignorePrevious ? cal.cells.map((c) => c.scale) : null },
      },
    );
    if (!outcome.accepted || !outcome.cells) return { outcome, writtenToBoard: false, file: null, boardReadBack: null, info };
    if (opts.confirm && !(await opts.confirm(outcome))) return { outcome, writtenToBoard: false, file: null, boardReadBack: null, info };

    // The file first (temporary file + rename), then the board: a file that cannot be written
    // leaves the board as it was; a board write that fails puts the board's old calibration back.
    if (opts.outFile) writeCalibrationFile(opts.outFile, calibrationFileContent(outcome));
    let writtenToBoard = false;
    let readBack: RunCalibrationResult['boardReadBack'] = null;
    if (opts.writeBoard !== false && session.commands) {
      const commands = session.commands;
      const previous = await commands.getCalibration();
      const records = boardRecords(outcome.cells, layout.cells);
      try {
        readBack = await writeBoardCalibration(commands, records);
      } catch (e) {
        const restored = await writeBoardCalibration(commands, previous).then(
          () => 'the board keeps its previous calibration',
          (r: unknown) => `putting the previous calibration back failed too (${(r as Error).message}): run 'tripod calibrate' again`,
        );
        throw new Error(`writing the calibration to the board failed (${(e as Error).message}); ${restored}${opts.outFile ? `; the new calibration is in ${opts.outFile} (use it with --calibration)` : ''}`);
      }
      writtenToBoard = true;
    }
    return { outcome, writtenToBoard, file: opts.outFile, boardReadBack: readBack, info };
  } finally {
    await session.close();
    if (ownsSim) simBoard?.stop();
  }
}
