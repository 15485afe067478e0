/**
 * tripod analyze DIR|FILES... --out: one row per file and trial (the single-file --json metrics)
 * with the file's metadata, several processes, progress, and a bad file skipped and reported at the
 * end with exit 1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './helpers/cli.ts';
import { writePersonRecording } from './helpers/synthetic-recording.ts';

const FIXTURES = path.resolve('tests/scoring/fixtures/bds');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-batch-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function parseCsv(text: string): string[][] {
  // Fields here are plain or "quoted, with commas" (no quotes inside).
  return text.trim().split('\n').map((l) => [...l.matchAll(/("([^"]*)"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => m[2] ?? m[1]!));
}

describe('tripod analyze on many files', () => {
  const data = path.join(dir, 'data');
  fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
  const bds = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.txt'));
  for (const f of bds) fs.copyFileSync(path.join(FIXTURES, f), path.join(data, f === bds[0] ? `sub/${f}` : f));
  fs.writeFileSync(path.join(data, 'broken.csv'), 'a,b\n1,2\n');
  fs.writeFileSync(path.join(data, 'notes.md'), 'not a CoP file');
  // A recording with two stances (steps on at 3 s and 43 s, off at 25 s and 65 s).
  const rec = path.join(data, 'zz-p09.tripod');
  writePersonRecording(rec, { seed: 9, stepOnS: 3, bipedalS: 30, stepOffS: 25, repeatEveryS: 40 }, 70, { subjectId: 'P09', notes: 'eyes open, firm' });

  it('a folder: one row per file, the single-file metrics, a bad file skipped and reported last, exit 1', async () => {
    const out = path.join(dir, 'table.csv');
    process.env.TRIPOD_PROGRESS = 'now'; // drawn from the first file on, however fast this machine is
    const r = await runCli(['analyze', data, '--out', out, '--jobs', '2']);
    delete process.env.TRIPOD_PROGRESS;
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/analysing/);
    const lines = r.err.trim().split('\n');
    expect(lines.at(-1)).toBe('tripod analyze: 1 file(s) could not be analysed (listed above)');
    expect(lines.at(-2)).toMatch(new RegExp(`^tripod analyze: skipped ${path.join(data, 'broken.csv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot tell which columns hold the CoP`));
    const rows = parseCsv(fs.readFileSync(out, 'utf8'));
    const head = rows[0]!;
    expect(head.slice(0, 17)).toEqual(['file', 'trial', 'trials', 'from_s', 'to_s', 'subject', 'created', 'board', 'firmware', 'calibration', 'calibrated', 'notes', 'gaps', 'format', 'trimming', 'preprocessing', 'n']);
    expect(rows.length - 1).toBe(bds.length + 2);
    expect(rows.slice(1).map((x) => path.basename(x[0]!))).toEqual([...bds.slice(1), bds[0]!, 'zz-p09.tripod', 'zz-p09.tripod']);
    // The recording: one row per stance, with its metadata; the BDS files: whole, no metadata.
    const col = (row: string[], k: string): string => row[head.indexOf(k)]!;
    const recRows = rows.filter((x) => x[0] === rec);
    expect(recRows.map((x) => [col(x, 'trial'), col(x, 'trials'), col(x, 'subject'), col(x, 'notes'), col(x, 'calibration'), col(x, 'calibrated'), col(x, 'created')])).toEqual([
      ['1', '2', 'P09', 'eyes open, firm', 'test', 'yes', '2026-01-01T00:00:00.000Z'],
      ['2', '2', 'P09', 'eyes open, firm', 'test', 'yes', '2026-01-01T00:00:00.000Z'],
    ]);
    const single = (await runCli(['analyze', rec, '--json'])).out.trim().split('\n').map((l) => JSON.parse(l));
    recRows.forEach((x, i) => {
      expect(Number(col(x, 'from_s'))).toBeCloseTo(single[i].from_s, 3);
      expect(Number(col(x, 'velocity_mm_s'))).toBe(single[i].velocity_mm_s);
      expect(col(x, 'trimming')).toBe(single[i].trimming);
    });
    expect([col(rows[1]!, 'trial'), col(rows[1]!, 'subject'), col(rows[1]!, 'format')]).toEqual(['', '', 'bds']);
    const one = JSON.parse((await runCli(['analyze', path.join(data, bds[1]!), '--json'])).out);
    const row = rows[1]!;
    for (const k of ['n', 'path_mm', 'velocity_mm_s', 'area95_mm2', 'mfreq_hz']) expect(Number(row[head.indexOf(k)]), k).toBe(one[k]);
    expect(row[head.indexOf('preprocessing')]).toBe(one.preprocessing);
  });

  it('FILES to stdout with one process: the same rows; flags for one file are refused', async () => {
    const files = bds.slice(1).map((f) => path.join(data, f));
    const r = await runCli(['analyze', ...files, '--jobs', '1']);
    expect(r.code).toBe(0);
    expect(parseCsv(r.out).length - 1).toBe(files.length);
    // Without --jobs: one process per core.
    const all = await runCli(['analyze', ...files, '--out', path.join(dir, 'all.csv')]);
    expect(all.code).toBe(0);
    expect(all.err).toMatch(new RegExp(`from ${Math.min(os.availableParallelism(), files.length)} process\\(es\\)`));
    const bad = await runCli(['analyze', ...files, '--x-col', '2']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--x-col applies to one FILE/);
    expect((await runCli(['analyze', path.join(dir, 'none')])).err).toMatch(/no such file or folder|cannot read/);
  });
});
