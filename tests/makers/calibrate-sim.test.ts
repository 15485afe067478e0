/**
 * Calibration on the emulator running the built firmware: cells mis-scaled by up to +-8 % and
 * offset by 10^4..10^5 counts; the simulated person puts a 10 kg mass where the wizard asks. The
 * board's virtual clock runs 8x faster than the wall clock to keep the suite quick.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_FIRMWARE_PATH } from '../../firmware/emulator/index.ts';
import { runCalibration, SIM_CALIBRATION_CELLS, simTrueScales, createSimCalibrationBoard, type RunCalibrationOptions } from '../../host/calibration/run.ts';
import type { WizardProgress, WizardUi } from '../../host/calibration/wizard.ts';
import { loadCalibrationFile } from '../../host/pipeline/calibration.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tripod-cal-'));
  dirs.push(d);
  return d;
}

function quietUi(log: WizardProgress[] = []): WizardUi {
  return { instruct: async () => {}, progress: (p) => log.push(p) };
}

const FAST: Partial<RunCalibrationOptions> = { sim: { speed: 8 }, wizard: { windowS: 1.5 } };

describe('tripod calibrate on the simulated board', () => {
  it('recovers +-8 % mis-scaled, offset cells within 0.2 % and the CoP within 1 mm, then stores them on the board and in a file', async () => {
    if (!existsSync(DEFAULT_FIRMWARE_PATH)) throw new Error('run npm run build:firmware first (npm test does)');
    const out = join(tmp(), 'cal.json');
    const progress: WizardProgress[] = [];
    const r = await runCalibration({ ...FAST, source: { kind: 'sim' }, massKg: 10, ui: quietUi(progress), outFile: out });
    const o = r.outcome;
    expect(o.refusals).toEqual([]);
    expect(o.accepted).toBe(true);
    const truth = await simTrueScales();
    o.cells!.forEach((c, i) => {
      expect(Math.abs(c.scale / truth[i]! - 1)).toBeLessThan(0.002);
      // Tare: the offset the emulator was given, within the averaged noise (64 counts rms).
      expect(Math.abs(c.offset - SIM_CALIBRATION_CELLS[i]!.offsetCounts)).toBeLessThan(40);
    });
    expect(o.solution!.copErrorMm).toBeLessThan(1);
    expect(o.solution!.positions).toHaveLength(5);
    expect(r.writtenToBoard).toBe(true);
    expect(r.boardReadBack!.map((c) => c.offset)).toEqual(o.cells!.map((c) => Math.round(c.offset)));
    const file = loadCalibrationFile(out);
    file.cells.forEach((c, i) => expect(c.scale).toBe(o.cells![i]!.scale));
    expect(JSON.parse(readFileSync(out, 'utf8')).comment).toMatch(/10 kg at 5 positions/);
    expect(progress.filter((p) => p.phase === 'measured')).toHaveLength(6);
  });

  it('refuses a calibration during which the mass moves, and writes nothing', async () => {
    const out = join(tmp(), 'cal.json');
    const progress: WizardProgress[] = [];
    const r = await runCalibration({
      ...FAST,
      source: { kind: 'sim' },
      sim: { speed: 8, misbehave: { slideAtPosition: 2, slideMmPerS: 15 } },
      massKg: 10,
      ui: quietUi(progress),
      outFile: out,
    });
    expect(r.outcome.accepted).toBe(false);
    expect(r.outcome.refusals.map((x) => x.code)).toEqual(['moved']);
    expect(r.outcome.refusals[0]!.message).toMatch(/front-left \(near cell 1\) kept moving/);
    expect(progress.some((p) => p.phase === 'unsteady')).toBe(true);
    expect(r.writtenToBoard).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a mass left 30 mm off its mark (steady but in the wrong place)', async () => {
    const r = await runCalibration({ ...FAST, source: { kind: 'sim' }, sim: { speed: 8, misbehave: { misplaceAtPosition: 3, misplaceMm: 30 } }, massKg: 10, ui: quietUi(), outFile: null });
    expect(r.outcome.accepted).toBe(false);
    expect(r.outcome.refusals.map((x) => x.code)).toContain('position');
    expect(r.outcome.refusals.find((x) => x.code === 'position')!.message).toMatch(/rear-left \(near cell 2\)/);
  });

  it('refuses with the cell named when one HX711 is unplugged', async () => {
    const r = await runCalibration({ ...FAST, source: { kind: 'sim' }, sim: { speed: 8, misbehave: { unplugCell: 2 } }, massKg: 10, ui: quietUi(), outFile: null });
    expect(r.outcome.accepted).toBe(false);
    expect(r.outcome.refusals.map((x) => x.code)).toEqual(['cell-fault']);
    expect(r.outcome.refusals[0]!.message).toMatch(/^cell 2's HX711 did not answer in \d+ % of the samples at the empty plate/);
  });

  it('refuses a wrong mass against the calibration the board already stores', async () => {
    const board = await createSimCalibrationBoard({ speed: 8, storedCalibration: true });
    try {
      const r = await runCalibration({ ...FAST, source: { kind: 'sim' }, sim: { speed: 8, board, misbehave: { trueMassKg: 12 } }, massKg: 10, ui: quietUi(), outFile: null });
      expect(r.outcome.refusals.map((x) => x.code)).toEqual(['mass']);
      expect(r.outcome.refusals[0]!.message).toMatch(/is the mass really 10 kg\? \(a true mass of about 12\.0\d kg/);
    } finally {
      board.stop();
    }
  });
});
