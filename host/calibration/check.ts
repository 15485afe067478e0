/**
 * Accept or refuse a solved calibration, saying why. Every limit is an option with its default and
 * its reason here; `tripod calibrate --help` and host/calibration/README.md repeat them.
 */
import type { CellCalibration } from '../pipeline/types.ts';
import type { ScaleSolution } from './solve.ts';

export type RefusalCode = 'moved' | 'position' | 'cell-fault' | 'mass' | 'ill-posed' | 'residual' | 'not-steady';

export interface Refusal {
  code: RefusalCode;
  /** One line: what is wrong and what to do. */
  message: string;
}

export interface CheckOptions {
  /** Largest CoP error at any position, mm. Defaults to 6 (a mass placed by hand on a mark is good to 2-3 mm). */
  maxCopErrorMm?: number;
  /** Largest |total - m g| at any position as a fraction of m g. Defaults to 0.01. */
  maxResidualFraction?: number;
  /** Largest condition number of the scaled system. Defaults to 1000. */
  maxCondition?: number;
  /** Largest spread of one cell's scale from the median of the four. Defaults to 0.3 (30 %). */
  maxCellSpread?: number;
  /**
   * The board's previous calibration scales (only when they came from a calibration, not defaults).
   * A uniform change of all four by more than `maxUniformChange` is taken as a wrong mass.
   */
  priorScales?: readonly number[] | null;
  /** Defaults to 0.1 (10 %). */
  maxUniformChange?: number;
}

/** Returns the reasons to refuse (empty: accept). */
export function checkCalibration(sol: ScaleSolution, massKg: number, opts: CheckOptions = {}): Refusal[] {
  const out: Refusal[] = [];
  const maxCop = opts.maxCopErrorMm ?? 6;
  const maxRes = (opts.maxResidualFraction ?? 0.01) * sol.weightN;
  const scales = sol.cells.map((c: CellCalibration) => c.scale);

  if (sol.condition > (opts.maxCondition ?? 1000)) {
    out.push({ code: 'ill-posed', message: `the positions barely determine the scales (condition ${sol.condition.toFixed(0)}): place the mass near each cell as asked` });
  }
  scales.forEach((s, i) => {
    if (!(s > 0)) out.push({ code: 'cell-fault', message: `cell ${i} came out with a negative scale (${s.toExponential(3)} N/count): its signal wires (A+/A-) are swapped or the cell is faulty` });
  });
  const positive = scales.filter((s) => s > 0);
  if (positive.length === 4) {
    const med = median(scales);
    scales.forEach((s, i) => {
      const spread = s / med - 1;
      if (Math.abs(spread) > (opts.maxCellSpread ?? 0.3)) {
        out.push({ code: 'cell-fault', message: `cell ${i}'s sensitivity is ${(spread * 100).toFixed(0)} % off the other cells': a damaged or mismatched cell, a loose wire, or a foot not touching the floor` });
      }
    });
  }

  const badCop = sol.positions.filter((p) => p.copErrorMm > maxCop);
  const badRes = sol.positions.filter((p) => Math.abs(p.residualN) > maxRes);
  if (badCop.length > 0 || badRes.length > 0) {
    const bad = [...new Set([...badCop, ...badRes])];
    if (bad.length <= 2 && sol.positions.length >= 4) {
      for (const p of bad) {
        out.push({
          code: 'position',
          message: `at ${p.name} the calibrated centre of pressure is ${p.copErrorMm.toFixed(1)} mm from the mark (limit ${maxCop} mm) and the total is off by ${p.residualN.toFixed(2)} N: the mass was not on its mark or moved there; redo the calibration`,
        });
      }
    } else {
      out.push({
        code: 'residual',
        message: `${bad.length} of ${sol.positions.length} positions disagree (worst CoP error ${sol.copErrorMm.toFixed(1)} mm, worst total error ${sol.maxResidualN.toFixed(2)} N): a cell fault (wiring, a foot off the floor, an overloaded cell) or cell positions that differ from the layout`,
      });
    }
  }

  if (opts.priorScales && opts.priorScales.length === 4 && positive.length === 4) {
    const ratios = scales.map((s, i) => s / opts.priorScales![i]!);
    const med = median(ratios);
    const uniform = Math.max(...ratios.map((r) => Math.abs(r / med - 1))) < 0.05;
    if (uniform && Math.abs(med - 1) > (opts.maxUniformChange ?? 0.1)) {
      out.push({
        code: 'mass',
        message: `every cell's scale changed by the same ${((med - 1) * 100).toFixed(0)} % from the board's previous calibration: is the mass really ${massKg} kg? (a true mass of about ${(massKg / med).toFixed(2)} kg would explain it); check it, or pass --ignore-previous`,
      });
    }
  }
  return out;
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Advice that does not refuse: with no earlier calibration to compare with, a wrong mass can only
 * be suspected from the cells' sensitivity. When the median scale is more than 25 % away from a
 * reference cell's (100 kg, 2 mV/V at AVDD 3.0 V: 1/4379.7 N per count), say so: either the cells are
 * of another kind (fine) or the mass is wrong.
 */
export function calibrationWarnings(sol: ScaleSolution, massKg: number, referenceScale: number, priorChecked: boolean): string[] {
  const out: string[] = [];
  const scales = sol.cells.map((c) => c.scale).filter((x) => x > 0);
  if (scales.length !== 4 || priorChecked) return out;
  const sorted = [...scales].sort((a, b) => a - b);
  const med = (sorted[1]! + sorted[2]!) / 2;
  const ratio = med / referenceScale;
  if (ratio > 1.25 || ratio < 0.8) {
    out.push(
      `the cells came out ${ratio.toFixed(2)} times as many N per count as a 100 kg 2 mV/V cell: right for other cells (e.g. 200 kg or 1 mV/V), but with such cells a ${massKg} kg mass that is really ${(massKg / ratio).toFixed(1)} kg would look the same; make sure of the mass`,
    );
  }
  return out;
}
