/**
 * Samples on a uniform time grid. The board's clock gives about 77.9 Hz with uneven steps (the first
 * second has one 39.5 ms step, and lost samples leave holes), while C3D and many analysis tools
 * assume one fixed rate. Grid point k is at t0 + k / rateHz (t0 the first sample's device time,
 * up to the last sample); each cell's force there is interpolated linearly between the two received
 * samples around it (across a gap too: `bridged` counts the grid points that fell inside a gap), and
 * the total and CoP are computed from those forces as for a received sample (a gap: the two
 * neighbours' sample indices are not consecutive). Raw counts are
 * interpolated the same way and rounded; flags are those of the earlier neighbour.
 */
import { centreOfPressure } from '../pipeline/cop.ts';
import type { ForceSample, PointMm } from '../pipeline/types.ts';

export interface Resampled {
  samples: ForceSample[];
  rateHz: number;
  /** Grid points between two received samples whose indices are not consecutive (inside a gap). */
  bridged: number;
  /** One line saying how, for headers and stderr. */
  description: string;
}

export function resampleUniform(input: readonly ForceSample[], rateHz: number, cells: readonly PointMm[]): Resampled {
  if (!(rateHz > 0) || !Number.isFinite(rateHz)) throw new RangeError(`resample rate must be > 0 Hz, got ${rateHz}`);
  const out: ForceSample[] = [];
  let bridged = 0;
  if (input.length === 0) return { samples: out, rateHz, bridged, description: describe(rateHz, 0) };
  const t0 = input[0]!.t;
  const tEnd = input[input.length - 1]!.t;
  const n = Math.floor((tEnd - t0) * rateHz + 1e-9) + 1;
  let j = 0;
  for (let k = 0; k < n; k++) {
    const t = t0 + k / rateHz;
    while (j + 1 < input.length - 1 && input[j + 1]!.t <= t) j++;
    const a = input[j]!;
    const b = input[Math.min(j + 1, input.length - 1)]!;
    const w = b.t > a.t ? Math.min(1, Math.max(0, (t - a.t) / (b.t - a.t))) : 0;
    if (b.index - a.index > 1 && w > 0 && w < 1) bridged++;
    const forces = [0, 1, 2, 3].map((c) => a.forces[c]! + w * (b.forces[c]! - a.forces[c]!)) as ForceSample['forces'];
    const raw = [0, 1, 2, 3].map((c) => Math.round(a.raw[c]! + w * (b.raw[c]! - a.raw[c]!))) as ForceSample['raw'];
    out.push({
      index: k,
      t,
      hostTimeMs: a.hostTimeMs + w * (b.hostTimeMs - a.hostTimeMs),
      raw,
      forces,
      total: forces[0] + forces[1] + forces[2] + forces[3],
      cop: centreOfPressure(forces, cells),
      flags: a.flags,
    });
  }
  return { samples: out, rateHz, bridged, description: describe(rateHz, bridged) };
}

function describe(rateHz: number, bridged: number): string {
  return `resampled to a uniform ${rateHz} Hz grid from the first sample: forces interpolated linearly between the received samples around each grid point, total and CoP computed from them${bridged > 0 ? `; ${bridged} grid point(s) fall inside gaps and are interpolated across them` : ''}`;
}
