import type { ForceSample, PointMm } from '../../host/pipeline/types.ts';

/** Builds ForceSamples at `fs` Hz from a scripted (total N, CoP) function of time. */
export function scriptedSamples(
  script: (t: number) => { total: number; cop: PointMm | null },
  tEndS: number,
  fs = 80,
  t0 = 0,
): ForceSample[] {
  const out: ForceSample[] = [];
  for (let i = 0; t0 + i / fs <= tEndS + 1e-9; i++) {
    const t = t0 + i / fs;
    const s = script(t);
    const cop = s.total >= 20 ? s.cop : null;
    out.push({ index: i, t, hostTimeMs: 0, raw: [0, 0, 0, 0], forces: [s.total / 4, s.total / 4, s.total / 4, s.total / 4], total: s.total, cop, flags: 0 });
  }
  return out;
}
