/**
 * The block scorer (host/scoring/block.ts) gives the live scorer's numbers bit for bit: per row the
 * tripod shares, score and in-zone flag, and at every block's end % time in zone and the streaming
 * sway metrics; on a synthetic person stepping on and off, with a CoP-less stretch, a gap in time,
 * time going back (a new stream), blocks of several sizes and a reset.
 */
import { describe, expect, it } from 'vitest';
import type { ForceBlock } from '../../host/pipeline/block.ts';
import { forceSampleAt } from '../../host/pipeline/block.ts';
import { createBlockScorer } from '../../host/scoring/block.ts';
import { createLiveScorer, type LiveScorerConfig } from '../../host/scoring/index.ts';
import { createSyntheticPerson } from '../../host/sim/person.ts';

const FS = 80;

/** 60 s of a person (steps on at 2 s), with a 2 s hole at 20 s, time going back at 40 s and no CoP for 1 s at 30 s. */
function rows(): ForceBlock {
  const p = createSyntheticPerson({ seed: 5, stepOnS: 2 });
  const n = 60 * FS;
  const b = {
    count: n,
    index: new Float64Array(n),
    t: new Float64Array(n),
    hostTimeMs: new Float64Array(n),
    raw: new Int32Array(4 * n),
    forces: new Float64Array(4 * n),
    total: new Float64Array(n),
    copX: new Float64Array(n),
    copY: new Float64Array(n),
    flags: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const ts = i / FS;
    const s = p.at(ts);
    b.index[i] = i;
    b.t[i] = ts >= 40 ? ts - 39 : ts >= 20 ? ts + 2 : ts;
    b.total[i] = s.totalN;
    const noCop = s.cop === null || (ts >= 30 && ts < 31);
    b.copX[i] = noCop ? NaN : s.cop!.x;
    b.copY[i] = noCop ? NaN : s.cop!.y;
  }
  return b;
}

function slice(b: ForceBlock, from: number, to: number): ForceBlock {
  return {
    count: to - from,
    index: b.index.subarray(from, to),
    t: b.t.subarray(from, to),
    hostTimeMs: b.hostTimeMs.subarray(from, to),
    raw: b.raw.subarray(4 * from, 4 * to),
    forces: b.forces.subarray(4 * from, 4 * to),
    total: b.total.subarray(from, to),
    copX: b.copX.subarray(from, to),
    copY: b.copY.subarray(from, to),
    flags: b.flags.subarray(from, to),
  };
}

function compare(config: LiveScorerConfig, blockRows: number): void {
  const all = rows();
  const live = createLiveScorer(config);
  const scorer = createBlockScorer(config);
  let loaded = 0;
  let unloaded = 0;
  for (let from = 0; from < all.count; from += blockRows) {
    if (from >= 50 * FS && from < 50 * FS + blockRows) {
      live.reset();
      scorer.reset();
    }
    const blk = slice(all, from, Math.min(all.count, from + blockRows));
    const got = scorer.push(blk);
    expect(got.count).toBe(blk.count);
    let last = null;
    for (let k = 0; k < blk.count; k++) {
      const want = live.push(forceSampleAt(blk, k));
      last = want;
      if (want.shares === null) {
        unloaded++;
        expect([got.heel[k], got.mt1[k], got.mt5[k], got.score[k], got.inZone[k]]).toEqual([NaN, NaN, NaN, NaN, 0]);
      } else {
        loaded++;
        expect([got.heel[k], got.mt1[k], got.mt5[k], got.score[k], got.inZone[k]]).toEqual([want.shares.heel, want.shares.mt1, want.shares.mt5, want.score, want.inZone ? 1 : 0]);
      }
    }
    const sum = scorer.summary();
    expect(sum.inZonePct).toBe(last!.inZonePct);
    expect(sum.sway).toEqual(last!.sway);
  }
  // The run covers both kinds of rows and scores that are not all alike.
  expect(loaded).toBeGreaterThan(40 * FS);
  expect(unloaded).toBeGreaterThan(2 * FS);
  expect(scorer.summary().loadedSamples).toBeGreaterThan(0);
}

describe('block scorer', () => {
  for (const size of [4096, 333, 1]) {
    it(`blocks of ${size} rows: the live scorer's shares, score, zone, % in zone and sway`, () => {
      compare({ foot: 'right' }, size);
    });
  }
  it('another foot, target and load threshold', () => {
    compare({ foot: 'left', target: 'physiological', minLoadN: 300, footLengthMm: 240 }, 1000);
  });
});
