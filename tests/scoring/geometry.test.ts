/** Foot placement, landmarks, tripod shares, targets and the board layout file. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCORING_LAYOUT,
  TARGET_PRESETS,
  cueFor,
  customTarget,
  footLandmarks,
  inZone,
  insideConvex,
  loadLayoutFile,
  pointFromShares,
  resolveTarget,
  scoreShares,
  shareError,
  signedArea,
  targetZone,
  tripodShares,
  validateLayout,
} from '../../host/scoring/index.ts';

const right = footLandmarks({ side: 'right', lengthMm: 260, centre: { x: 60, y: 0 } });
const left = footLandmarks({ side: 'left', lengthMm: 260, centre: { x: -60, y: 0 } });

describe('foot landmarks', () => {
  it('places the right foot: heel behind, 1st MT medial (toward -x), 5th MT lateral, from documented fractions', () => {
    expect(right.widthMm).toBeCloseTo(0.39 * 260, 9);
    expect(right.heel).toEqual({ x: 60, y: -130 + 0.1 * 260 });
    expect(right.mt1.x).toBeCloseTo(60 - 0.38 * right.widthMm, 9);
    expect(right.mt1.y).toBeCloseTo(-130 + 0.72 * 260, 9);
    expect(right.mt5.x).toBeCloseTo(60 + 0.38 * right.widthMm, 9);
    expect(right.mt5.y).toBeCloseTo(-130 + 0.63 * 260, 9);
  });
  it('the left foot is the mirror image of the right', () => {
    expect(left.heel.x).toBeCloseTo(-right.heel.x, 9);
    expect(left.mt1.x).toBeCloseTo(-right.mt1.x, 9);
    expect(left.mt1.y).toBeCloseTo(right.mt1.y, 9);
    expect(left.mt5.x).toBeCloseTo(-right.mt5.x, 9);
  });
  it('outlines are convex, counter-clockwise and contain the landmarks', () => {
    for (const f of [right, left, footLandmarks({ side: 'left', lengthMm: 230, centre: { x: 0, y: 20 }, toeOutDeg: 15 })]) {
      expect(signedArea(f.outline)).toBeGreaterThan(0);
      const n = f.outline.length;
      for (let i = 0; i < n; i++) {
        const a = f.outline[i]!;
        const b = f.outline[(i + 1) % n]!;
        const c = f.outline[(i + 2) % n]!;
        expect((b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x)).toBeGreaterThan(0);
      }
      for (const p of [f.heel, f.mt1, f.mt5]) expect(insideConvex(p, f.outline)).toBe(true);
    }
  });
  it('toe-out turns the toes laterally', () => {
    const r = footLandmarks({ side: 'right', lengthMm: 260, centre: { x: 0, y: 0 }, toeOutDeg: 10 });
    const l = footLandmarks({ side: 'left', lengthMm: 260, centre: { x: 0, y: 0 }, toeOutDeg: 10 });
    expect(r.mt1.x).toBeGreaterThan(footLandmarks({ side: 'right', lengthMm: 260, centre: { x: 0, y: 0 } }).mt1.x);
    expect(l.mt1.x).toBeLessThan(footLandmarks({ side: 'left', lengthMm: 260, centre: { x: 0, y: 0 } }).mt1.x);
  });
  it('refuses impossible feet with the value named', () => {
    expect(() => footLandmarks({ side: 'right', lengthMm: 20, centre: { x: 0, y: 0 } })).toThrow(/foot length: expected 100..400 mm, got 20/);
    expect(() => footLandmarks({ side: 'up' as 'left', lengthMm: 260, centre: { x: 0, y: 0 } })).toThrow(/foot side/);
  });
});

describe('tripod shares', () => {
  it('are 1 at each landmark and thirds at the centroid', () => {
    expect(tripodShares(right.heel, right).shares.heel).toBeCloseTo(1, 12);
    expect(tripodShares(right.mt1, right).shares.mt1).toBeCloseTo(1, 12);
    expect(tripodShares(right.mt5, right).shares.mt5).toBeCloseTo(1, 12);
    const c = { x: (right.heel.x + right.mt1.x + right.mt5.x) / 3, y: (right.heel.y + right.mt1.y + right.mt5.y) / 3 };
    const s = tripodShares(c, right);
    for (const v of [s.shares.heel, s.shares.mt1, s.shares.mt5]) expect(v).toBeCloseTo(1 / 3, 12);
    expect(s.outside).toBeNull();
  });
  it('sum to 1 and invert with pointFromShares anywhere', () => {
    fc.assert(
      fc.property(fc.double({ min: -300, max: 300, noNaN: true }), fc.double({ min: -300, max: 300, noNaN: true }), (x, y) => {
        const r = tripodShares({ x, y }, left);
        const p = pointFromShares(r.shares, left);
        return Math.abs(r.shares.heel + r.shares.mt1 + r.shares.mt5 - 1) < 1e-9 && Math.abs(p.x - x) < 1e-9 && Math.abs(p.y - y) < 1e-9;
      }),
    );
  });
  it('flag the side the CoP left by, without clamping', () => {
    const toes = tripodShares({ x: 60, y: 100 }, right);
    expect(toes.outside).toBe('forefoot');
    expect(toes.shares.heel).toBeLessThan(0);
    // Right foot: lateral is +x.
    expect(tripodShares({ x: 100, y: -40 }, right).outside).toBe('lateral');
    expect(tripodShares({ x: 30, y: -40 }, right).outside).toBe('medial');
    // Left foot: lateral is -x.
    expect(tripodShares({ x: -100, y: -40 }, left).outside).toBe('lateral');
    // Beyond the 1st MT corner: two sides, the farther one first.
    const corner = tripodShares({ x: right.mt1.x - 10, y: right.mt1.y + 30 }, right);
    expect(corner.outsideSides.sort()).toEqual(['forefoot', 'medial']);
  });
});

describe('targets and the live score', () => {
  it('presets: equal thirds and the physiological split (heel 52.5 %, forefoot 60/40)', () => {
    expect(TARGET_PRESETS.clinical.shares.heel).toBeCloseTo(1 / 3, 12);
    const p = TARGET_PRESETS.physiological.shares;
    expect(p.heel + p.mt1 + p.mt5).toBeCloseTo(1, 12);
    expect(p.mt1 / (p.mt1 + p.mt5)).toBeCloseTo(0.6, 12);
    expect(TARGET_PRESETS.physiological.tolerance).toBe(0.1);
  });
  it('score: 100 on target, 50 at the zone edge, 0 at twice the tolerance', () => {
    const t = resolveTarget('clinical');
    expect(scoreShares(t.shares, t)).toBe(100);
    const edge = { heel: 1 / 3 + 0.1, mt1: 1 / 3 - 0.05, mt5: 1 / 3 - 0.05 };
    expect(scoreShares(edge, t)).toBeCloseTo(50, 9);
    expect(inZone({ ...edge, heel: edge.heel - 1e-9 }, t)).toBe(true);
    expect(scoreShares({ heel: 1 / 3 + 0.2, mt1: 1 / 3 - 0.1, mt5: 1 / 3 - 0.1 }, t)).toBeCloseTo(0, 9);
    expect(scoreShares({ heel: 1, mt1: 0, mt5: 0 }, t)).toBe(0);
  });
  it('custom targets are validated', () => {
    expect(customTarget({ heel: 0.5, mt1: 0.3, mt5: 0.2 }, 0.08).tolerance).toBe(0.08);
    expect(() => customTarget({ heel: 0.5, mt1: 0.3, mt5: 0.3 }, 0.1)).toThrow(/sum to 1, got 1.1000/);
    expect(() => customTarget({ heel: 0.5, mt1: 0.3, mt5: 0.2 }, 0)).toThrow(/tolerance: expected 0.01..0.5/);
    expect(() => resolveTarget('tiptoe' as 'clinical')).toThrow(/unknown target preset 'tiptoe'/);
  });
  it('cues name the correction a therapist would give', () => {
    const t = resolveTarget('clinical');
    const cue = (heel: number, mt1: number) => cueFor({ shares: { heel, mt1, mt5: 1 - heel - mt1 }, outside: null }, t);
    expect(cue(1 / 3, 1 / 3)).toBe('Good: hold it there');
    expect(cue(0.6, 0.2)).toMatch(/^Off the heel/);
    expect(cue(0.1, 0.45)).toMatch(/onto the heel/);
    expect(cue(0.4, 0.1)).toMatch(/toward the big toe/);
    expect(cue(0.3, 0.2)).toMatch(/^Off the outer edge/);
    expect(cueFor({ shares: { heel: -0.2, mt1: 0.6, mt5: 0.6 }, outside: 'forefoot' }, t)).toMatch(/toes/);
    expect(cueFor({ shares: { heel: 0.5, mt1: -0.1, mt5: 0.6 }, outside: 'lateral' }, t)).toMatch(/Rolling out/);
  });
  it('the zone polygon is where the shares are within tolerance', () => {
    for (const name of ['clinical', 'physiological'] as const) {
      const t = resolveTarget(name);
      const zone = targetZone(t, right);
      expect(zone.length).toBeGreaterThanOrEqual(3);
      expect(signedArea(zone)).toBeGreaterThan(0);
      for (const v of zone) expect(shareError(tripodShares(v, right).shares, t)).toBeCloseTo(t.tolerance, 9);
      expect(insideConvex(pointFromShares(t.shares, right), zone)).toBe(true);
    }
  });
});

describe('board layout file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tripod-layout-'));
  const write = (name: string, body: string): string => {
    const f = path.join(dir, name);
    writeFileSync(f, body);
    return f;
  };
  it('defaults to our board, foot marks included', () => {
    expect(DEFAULT_SCORING_LAYOUT.cells[0]).toEqual({ x: 180, y: 180 });
    expect(DEFAULT_SCORING_LAYOUT.plate).toEqual({ widthMm: 420, depthMm: 420 });
    expect(DEFAULT_SCORING_LAYOUT.footMarks.right).toEqual({ x: 60, y: 0 });
  });
  it('loads a valid file (foot marks optional)', () => {
    const f = write('ok.json', JSON.stringify({ cells: [{ x: 200, y: 150 }, { x: -200, y: 150 }, { x: -200, y: -150 }, { x: 200, y: -150 }], plate: { widthMm: 450, depthMm: 350 } }));
    const l = loadLayoutFile(f);
    expect(l.cells[2]).toEqual({ x: -200, y: -150 });
    expect(l.footMarks.left).toEqual({ x: -60, y: 0 });
  });
  it('names the bad field', () => {
    const base = { cells: [{ x: 180, y: 180 }, { x: -180, y: 180 }, { x: -180, y: -180 }, { x: 180, y: -180 }], plate: { widthMm: 420, depthMm: 420 } };
    expect(() => validateLayout({ ...base, cells: base.cells.slice(0, 3) })).toThrow(/layout.cells: expected an array of 4 cell positions, got 3 entries/);
    expect(() => validateLayout({ ...base, cells: [base.cells[1], base.cells[0], base.cells[2], base.cells[3]] })).toThrow(/layout.cells\[0\]: cell 0 must be front-right/);
    expect(() => validateLayout({ ...base, cells: [{ x: '180', y: 180 }, ...base.cells.slice(1)] })).toThrow(/layout.cells\[0\].x: expected a finite number \(mm\), got "180"/);
    expect(() => validateLayout({ ...base, plate: { widthMm: 300, depthMm: 420 } })).toThrow(/cells\[0\]: \(180, 180\) mm lies outside the 300 x 420 mm plate/);
    expect(() => validateLayout({ ...base, footMarks: { left: { x: -60, y: 0 }, right: { x: 600, y: 0 } } })).toThrow(/footMarks.right: \(600, 0\) mm lies outside the plate/);
    expect(() => validateLayout({ ...base, colour: 'red' })).toThrow(/unknown field "colour"/);
    expect(() => loadLayoutFile(write('bad.json', '{"cells": ['))).toThrow(/is not valid JSON/);
    expect(() => loadLayoutFile(path.join(dir, 'none.json'))).toThrow(/cannot read layout file .*ENOENT/);
  });
});
