import { describe, expect, it } from 'vitest';
import { REFERENCE_COUNTS_PER_N, defaultCalibration, parseCalibration } from '../../host/pipeline/calibration.ts';
import { MIN_COP_LOAD_N, centreOfPressure, toForceSample } from '../../host/pipeline/cop.ts';
import { DEFAULT_LAYOUT } from '../../host/pipeline/types.ts';

const cell = { offset: 1000, scale: 2e-4 };
const four = [cell, cell, cell, cell];

describe('calibration file validation', () => {
  it('accepts a valid file and keeps positions', () => {
    const c = parseCalibration({ cells: four, positionsMm: DEFAULT_LAYOUT.cells }, 'f.json');
    expect(c.cells[2]).toEqual(cell);
    expect(c.layout.cells[1]).toEqual({ x: -180, y: 180 });
    expect(c.source).toBe('f.json');
  });

  it.each([
    [[], 'f.json: top level must be an object with "cells", got an array of 0'],
    [{ cells: four.slice(0, 3) }, 'f.json: "cells" must have exactly 4 entries (cell 0..3), got 3'],
    [{ cells: [cell, cell, { offset: 'a', scale: 1e-4 }, cell] }, 'f.json: cells[2].offset must be a finite number of counts, got the string "a"'],
    [{ cells: [cell, cell, cell, { offset: 9e6, scale: 1e-4 }] }, 'f.json: cells[3].offset must be within the HX711 range -8388608..8388607 counts, got 9000000'],
    [{ cells: [cell, { offset: 0 }, cell, cell] }, 'f.json: cells[1].scale must be a finite non-zero number of N per count, got nothing'],
    [{ cells: [{ offset: 0, scale: 4375 }, cell, cell, cell] }, 'f.json: cells[0].scale is 4375 N per count, implausibly large (a real cell is near 2e-4); did you give counts per N?'],
    [{ cells: four, scale: 1 }, 'f.json: "scale" is not a calibration field (expected "cells", optional "positionsMm", "comment")'],
    [{ cells: four, positionsMm: [{ x: 1, y: 2 }, { x: 1, y: 2 }, { x: 1 }, { x: 1, y: 2 }] }, 'f.json: positionsMm[2].y must be a finite number of mm, got nothing'],
  ])('rejects %j with a precise line', (value, message) => {
    expect(() => parseCalibration(value, 'f.json')).toThrow(message);
  });

  it('documents the reference cell: about 4380 counts per N', () => {
    expect(REFERENCE_COUNTS_PER_N).toBeCloseTo(4379.6, 0);
    expect(defaultCalibration().cells[0].offset).toBe(0);
  });
});

describe('forces and centre of pressure', () => {
  it('CoP is the force-weighted mean of the cell positions', () => {
    expect(centreOfPressure([100, 100, 100, 100], DEFAULT_LAYOUT.cells)).toEqual({ x: 0, y: 0 });
    expect(centreOfPressure([300, 100, 0, 0], DEFAULT_LAYOUT.cells)).toEqual({ x: 90, y: 180 });
    const c = centreOfPressure([10, 20, 30, 40], DEFAULT_LAYOUT.cells)!;
    expect(c.x).toBeCloseTo((180 * (10 - 20 - 30 + 40)) / 100, 12);
    expect(c.y).toBeCloseTo((180 * (10 + 20 - 30 - 40)) / 100, 12);
  });

  it(`CoP is null (never 0,0) below ${MIN_COP_LOAD_N} N`, () => {
    expect(centreOfPressure([4, 5, 5, 5.9], DEFAULT_LAYOUT.cells)).toBeNull();
    expect(centreOfPressure([5, 5, 5, 5], DEFAULT_LAYOUT.cells)).not.toBeNull();
    expect(centreOfPressure([NaN, 5, 5, 5], DEFAULT_LAYOUT.cells)).toBeNull();
  });

  it('forces = (counts - offset) * scale per cell; total is their sum', () => {
    const cal = parseCalibration({ cells: [{ offset: 100, scale: 0.5 }, { offset: -100, scale: 0.25 }, { offset: 0, scale: 1 }, { offset: 50, scale: 0.4 }] }, 't');
    const s = toForceSample(7, 0.1, 5, [300, 300, 10, 100], 0, cal);
    expect(s.forces).toEqual([100, 100, 10, 20]);
    expect(s.total).toBe(230);
    expect(s).toMatchObject({ index: 7, t: 0.1, hostTimeMs: 5, raw: [300, 300, 10, 100], flags: 0 });
  });
});
