/**
 * Load sources: what presses on the four cells, in newtons, as a function of board time (s since
 * boot). Cell order follows host/pipeline/types.ts (0 front-right, 1 front-left, 2 rear-left,
 * 3 rear-right).
 */
export type CellForces = [number, number, number, number];
export type LoadSource = (tSeconds: number) => CellForces;

/** The same forces at all times. */
export function constantLoads(forces: CellForces): LoadSource {
  const f: CellForces = [forces[0], forces[1], forces[2], forces[3]];
  return () => f;
}

/** One step of a scripted sequence: hold (or ramp to) `forces` from `at` seconds. */
export interface LoadStep {
  /** Board time the step starts, s. */
  at: number;
  forces: CellForces;
  /** 'hold' (default) jumps to the forces at `at`; 'ramp' interpolates linearly from the previous step. */
  shape?: 'hold' | 'ramp';
}

/**
 * A piecewise sequence. Before the first step the forces are zero. With 'ramp', the forces move
 * linearly from the previous step's forces (at the previous step's time) to this step's forces.
 */
export function scriptedLoads(steps: LoadStep[]): LoadSource {
  if (steps.length === 0) throw new TypeError('scriptedLoads: steps must not be empty');
  for (let i = 1; i < steps.length; i++) {
    if (!(steps[i]!.at >= steps[i - 1]!.at)) {
      throw new TypeError(`scriptedLoads: step ${i} starts at ${steps[i]!.at} s, before step ${i - 1} (${steps[i - 1]!.at} s); sort the steps by time`);
    }
  }
  const zero: CellForces = [0, 0, 0, 0];
  return (t) => {
    let i = -1;
    for (let k = 0; k < steps.length; k++) {
      if (steps[k]!.at <= t) i = k;
      else break;
    }
    const next = steps[i + 1];
    if (next && next.shape === 'ramp') {
      const prev = i >= 0 ? steps[i]! : { at: 0, forces: zero };
      const span = next.at - prev.at;
      const a = span > 0 ? (t - prev.at) / span : 1;
      return [0, 1, 2, 3].map((c) => prev.forces[c]! + (next.forces[c]! - prev.forces[c]!) * a) as CellForces;
    }
    return i >= 0 ? steps[i]!.forces : zero;
  };
}

/** Any function of time; checked to return four finite numbers on first use. */
export function functionLoads(fn: (t: number) => CellForces): LoadSource {
  return (t) => {
    const f = fn(t);
    if (!Array.isArray(f) || f.length !== 4) throw new TypeError(`load source returned ${JSON.stringify(f)} at t=${t} s; expected [N, N, N, N]`);
    return f;
  };
}
