/** CoP tables with quoted CSV headers and fields (RFC 4180 quoting within a line). */
import { describe, expect, it } from 'vitest';
import { parseCopText } from '../../host/scoring/cop-file.ts';
import { splitDelimited } from '../../host/scoring/csv-line.ts';

const rows = (n: number, sep: string): string => Array.from({ length: n }, (_, i) => [i / 100, Math.sin(i / 10).toFixed(4), Math.cos(i / 7).toFixed(4)].join(sep)).join('\n');

describe('quoted CSV', () => {
  it('splits quoted fields holding the delimiter and doubled quotes', () => {
    expect(splitDelimited('"CoP X, mm", "say ""hi""",plain , ""', ',')).toEqual(['CoP X, mm', 'say "hi"', 'plain', '']);
    expect(splitDelimited('a;"b;c";d', ';')).toEqual(['a', 'b;c', 'd']);
  });

  it('reads "CoP X, mm" headers: the unit after the comma, the columns found by name', () => {
    const t = parseCopText(`"Time, s","CoP X, mm","CoP Y, mm"\n${rows(50, ',')}\n`, {}, 'q.csv');
    expect(t.columns).toEqual({ x: 'CoP X, mm', y: 'CoP Y, mm', t: 'Time, s' });
    expect(t.unit).toBe('mm');
    expect(t.x.length).toBe(50);
    expect(t.rateHz).toBeCloseTo(100, 6);
  });

  it('a semicolon file whose quoted headers hold commas; cm converted to mm', () => {
    const t = parseCopText(`"Time, s";"CoP X, cm";"CoP Y, cm"\n${rows(20, ';')}\n`, {}, 'q.csv');
    expect(t.unit).toBe('cm');
    expect(t.x[5]).toBeCloseTo(Math.sin(0.5) * 10, 2);
  });
});
