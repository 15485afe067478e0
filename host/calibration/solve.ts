/**
 * Per-cell scale factors from a known mass placed at marked positions (pure maths, no IO).
 *
 * Model: cell i reads c_i = o_i + F_i / s_i counts, F_i its vertical force (N), o_i its offset
 * (counts, from the tare) and s_i its scale (N per count, unknown). With the mass m at the marked
 * point P_k = (X_k, Y_k) and d_ik = mean(c_i) - o_i the tared counts at that position, the plate's
 * static equilibrium gives three equations that hold whatever the (statically indeterminate) share
 * of the four supports:
 *
 *   sum_i s_i d_ik            = W           (vertical forces, N)
 *   sum_i s_i d_ik x_i / L    = W X_k / L   (moment about the y axis, N after dividing by L)
 *   sum_i s_i d_ik y_i / L    = W Y_k / L   (moment about the x axis)
 *
 * with W = m g (g = 9.80665 m/s^2) and (x_i, y_i) the cell centres. The moment rows are divided by L
 * (the mean distance of the cells from the centre, mm) so all residuals are newtons of comparable
 * size. K positions give 3K linear equations in the 4 unknowns s, solved by least squares
 * (Householder QR on column-scaled A, so the 1e5-count columns do not hurt the conditioning).
 * Centre plus one position near each cell gives 15 equations and a well-conditioned system; the
 * centre alone (3 equations) is underdetermined and is refused.
 *
 * A wrong mass scales every s_i by the same factor and leaves the equations consistent, so no
 * residual can reveal it: `checkCalibration` compares the result with a prior calibration instead.
 */
import type { CellCalibration, PointMm } from '../pipeline/types.ts';

export const STANDARD_GRAVITY = 9.80665;

/** One position of the mass with the averaged raw counts measured there. */
export interface PositionMeasurement {
  /** Where the mass was asked to be, mm, plate frame. */
  position: PointMm;
  /** Name shown to the user ("centre", "front-right (near cell 0)"). */
  name: string;
  /** Mean raw counts per cell over the steady window. */
  meanCounts: [number, number, number, number];
  /** Standard deviation of the counts per cell over the window (diagnostics). */
  stdCounts?: [number, number, number, number];
}

export interface PositionReport {
  name: string;
  position: PointMm;
  /** Calibrated total force minus m g, N. */
  residualN: number;
  /** Calibrated centre of pressure, mm. */
  copMm: PointMm;
  /** Distance from the calibrated CoP to the marked position, mm. */
  copErrorMm: number;
  /** Calibrated force per cell, N. */
  forcesN: [number, number, number, number];
}

export interface ScaleSolution {
  cells: [CellCalibration, CellCalibration, CellCalibration, CellCalibration];
  positions: PositionReport[];
  /** Weight of the mass, N. */
  weightN: number;
  /** Root mean square of all 3K residuals, N. */
  rmsResidualN: number;
  /** Largest CoP error over the positions, mm. */
  copErrorMm: number;
  /** Largest |total - m g| over the positions, N. */
  maxResidualN: number;
  /** 2-norm condition number of the column-scaled system (1 is perfect; above ~1e3 ill-posed). */
  condition: number;
}

export class CalibrationSolveError extends Error {
  override readonly name = 'CalibrationSolveError';
}

/** Solves the scales. Throws CalibrationSolveError when the positions cannot determine them. */
export function solveScales(
  offsets: [number, number, number, number],
  measurements: PositionMeasurement[],
  massKg: number,
  cells: readonly PointMm[],
): ScaleSolution {
  if (!(massKg > 0) || !Number.isFinite(massKg)) throw new CalibrationSolveError(`the mass must be a positive number of kg, got ${massKg}`);
  if (cells.length !== 4) throw new CalibrationSolveError(`expected 4 cell positions, got ${cells.length}`);
  if (measurements.length < 2) {
    throw new CalibrationSolveError(`${measurements.length} position(s) give at most 3 equations for 4 unknown scales: measure at least the centre and one position near each cell`);
  }
  const W = massKg * STANDARD_GRAVITY;
  const L = cells.reduce((a, p) => a + Math.hypot(p.x, p.y), 0) / 4 || 1;
  const rows: number[][] = [];
  const rhs: number[] = [];
  for (const m of measurements) {
    const d = m.meanCounts.map((c, i) => c - offsets[i]!);
    rows.push(d.slice());
    rhs.push(W);
    rows.push(d.map((v, i) => (v * cells[i]!.x) / L));
    rhs.push((W * m.position.x) / L);
    rows.push(d.map((v, i) => (v * cells[i]!.y) / L));
    rhs.push((W * m.position.y) / L);
  }
  // Column scaling: each column to unit norm, so the solve and the condition number are unit-free.
  const colNorm = [0, 1, 2, 3].map((j) => Math.sqrt(rows.reduce((a, r) => a + r[j]! ** 2, 0)));
  colNorm.forEach((n, j) => {
    if (!(n > 0)) throw new CalibrationSolveError(`cell ${j} read exactly its tare offset at every position: it does not respond to load (check its wiring)`);
  });
  const A = rows.map((r) => r.map((v, j) => v / colNorm[j]!));
  const { x, condition } = leastSquares(A, rhs);
  const scales = x.map((u, j) => u / colNorm[j]!);
  const outCells = scales.map((s, i) => ({ offset: offsets[i]!, scale: s })) as ScaleSolution['cells'];

  let sq = 0;
  rows.forEach((r, k) => {
    const e = r.reduce((a, v, j) => a + v * scales[j]!, 0) - rhs[k]!;
    sq += e * e;
  });
  const positions = measurements.map((m) => reportPosition(m, outCells, cells, W));
  return {
    cells: outCells,
    positions,
    weightN: W,
    rmsResidualN: Math.sqrt(sq / rows.length),
    copErrorMm: Math.max(...positions.map((p) => p.copErrorMm)),
    maxResidualN: Math.max(...positions.map((p) => Math.abs(p.residualN))),
    condition,
  };
}

/** Forces, total, CoP and errors at one position under a calibration. */
export function reportPosition(
  m: PositionMeasurement,
  cal: readonly CellCalibration[],
  cells: readonly PointMm[],
  weightN: number,
): PositionReport {
  const forces = m.meanCounts.map((c, i) => (c - cal[i]!.offset) * cal[i]!.scale) as [number, number, number, number];
  const total = forces[0] + forces[1] + forces[2] + forces[3];
  const cop = {
    x: forces.reduce((a, f, i) => a + f * cells[i]!.x, 0) / total,
    y: forces.reduce((a, f, i) => a + f * cells[i]!.y, 0) / total,
  };
  return {
    name: m.name,
    position: m.position,
    residualN: total - weightN,
    copMm: cop,
    copErrorMm: Math.hypot(cop.x - m.position.x, cop.y - m.position.y),
    forcesN: forces,
  };
}

/**
 * Least squares min |A x - b| by Householder QR (A is m x n, m >= n, full column rank expected).
 * Returns x and the 2-norm condition number of A (from the singular values of R, by Jacobi on R^T R).
 */
export function leastSquares(A: number[][], b: number[]): { x: number[]; condition: number } {
  const m = A.length;
  const n = A[0]?.length ?? 0;
  if (m < n) throw new CalibrationSolveError(`${m} equations for ${n} unknowns`);
  const R = A.map((r) => r.slice());
  const y = b.slice();
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += R[i]![k]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = R[k]![k]! > 0 ? -norm : norm;
    const v = new Array<number>(m).fill(0);
    for (let i = k; i < m; i++) v[i] = R[i]![k]!;
    v[k] = v[k]! - alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i]! ** 2;
    if (vv === 0) continue;
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * R[i]![j]!;
      const f = (2 * dot) / vv;
      for (let i = k; i < m; i++) R[i]![j] = R[i]![j]! - f * v[i]!;
    }
    let dot = 0;
    for (let i = k; i < m; i++) dot += v[i]! * y[i]!;
    const f = (2 * dot) / vv;
    for (let i = k; i < m; i++) y[i] = y[i]! - f * v[i]!;
  }
  const sv = singularValues(R.slice(0, n).map((r) => r.slice(0, n)));
  const condition = sv.min > 0 ? sv.max / sv.min : Infinity;
  if (!Number.isFinite(condition) || condition > 1e8) {
    throw new CalibrationSolveError('the positions do not determine all four scales (the system is singular): place the mass near each cell, not only at the centre or on one line');
  }
  const x = new Array<number>(n).fill(0);
  for (let k = n - 1; k >= 0; k--) {
    let s = y[k]!;
    for (let j = k + 1; j < n; j++) s -= R[k]![j]! * x[j]!;
    x[k] = s / R[k]![k]!;
  }
  return { x, condition };
}

/** Largest and smallest singular values of a small square matrix (Jacobi eigenvalues of M^T M). */
function singularValues(M: number[][]): { max: number; min: number } {
  const n = M.length;
  const S = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => M.reduce((a, r) => a + r[i]! * r[j]!, 0)));
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += S[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = S[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (S[q]![q]! - S[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const skp = S[k]![p]!;
          const skq = S[k]![q]!;
          S[k]![p] = c * skp - s * skq;
          S[k]![q] = s * skp + c * skq;
        }
        for (let k = 0; k < n; k++) {
          const spk = S[p]![k]!;
          const sqk = S[q]![k]!;
          S[p]![k] = c * spk - s * sqk;
          S[q]![k] = s * spk + c * sqk;
        }
      }
    }
  }
  const eig = S.map((r, i) => Math.max(0, r[i]!));
  return { max: Math.sqrt(Math.max(...eig)), min: Math.sqrt(Math.min(...eig)) };
}
