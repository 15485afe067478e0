/**
 * What a careless user does with files and flags (issue 12): outputs are checked before any work
 * and replaced only on success; numbers are strict decimals; durations beyond a Node timer work or
 * are refused; text from files never reaches the terminal raw; analyze bounds its input.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AtomicFile, checkWritable, writeFileAtomic } from '../../host/util/atomic-write.ts';
import { MAX_TIMER_MS, setLongTimeout } from '../../host/util/long-timeout.ts';
import { parseDecimal } from '../../host/util/strict-number.ts';
import { escapeControl, terminalJson } from '../../host/util/terminal-text.ts';
import { runCli } from './helpers/cli.ts';
import { writeRecording } from './helpers/synthetic-recording.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-safety-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const leftovers = (d: string): string[] => fs.readdirSync(d).filter((n) => n.endsWith('.tmp'));

describe('outputs: checked first, replaced only on success', () => {
  it('export BAD.tripod --out keep.csv --force keeps keep.csv', async () => {
    const keep = path.join(dir, 'keep.csv');
    fs.writeFileSync(keep, 'precious,data\n1,2\n');
    const bad = path.join(dir, 'BAD.tripod');
    fs.writeFileSync(bad, 'time,f0\n0,1\n');
    const r = await runCli(['export', bad, '--format', 'csv', '--out', keep, '--force']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^tripod export: .*BAD\.tripod.*not a Tripod recording/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(fs.readFileSync(keep, 'utf8')).toBe('precious,data\n1,2\n');
    expect(leftovers(dir)).toEqual([]);
  });

  it('export to a directory that does not exist, or onto a directory: one line, nothing written', async () => {
    const rec = path.join(dir, 'ok.tripod');
    writeRecording(rec, { samples: 160, seed: 1 });
    const r = await runCli(['export', rec, '--format', 'csv', '--out', path.join(dir, 'no-such-dir', 'x.csv')]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`tripod export: cannot write ${path.join(dir, 'no-such-dir', 'x.csv')}: directory ${path.join(dir, 'no-such-dir')} does not exist\n`);
    const r2 = await runCli(['export', rec, '--format', 'csv', '--out', dir, '--force']);
    expect(r2.code).toBe(1);
    expect(r2.err).toBe(`tripod export: --out ${dir} is a directory: name a file\n`);
    const r3 = await runCli(['export', rec, '--format', 'csv', '--out', path.join(dir, 'keep.csv')]);
    expect(r3.code).toBe(2);
    expect(r3.err).toMatch(/keep\.csv already exists; add --force to overwrite it/);
  });

  it('a good export replaces the file in one rename', async () => {
    const rec = path.join(dir, 'ok2.tripod');
    writeRecording(rec, { samples: 160, seed: 1 });
    const out = path.join(dir, 'replaced.csv');
    fs.writeFileSync(out, 'old\n');
    const before = fs.statSync(out).ino;
    const r = await runCli(['export', rec, '--format', 'csv', '--out', out, '--force']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8').split('\n').find((l) => !l.startsWith('#'))).toMatch(/^time_s,sample_index,/);
    expect(fs.statSync(out).ino).not.toBe(before);
    expect(leftovers(dir)).toEqual([]);
  });

  it('AtomicFile: an aborted write leaves the target as it was; checkWritable names the problem', () => {
    const target = path.join(dir, 'atomic.txt');
    writeFileAtomic(target, 'one\n');
    const f = new AtomicFile(target);
    f.write('two\n');
    expect(fs.existsSync(f.tempPath)).toBe(true);
    f.abort();
    expect(fs.readFileSync(target, 'utf8')).toBe('one\n');
    expect(fs.existsSync(f.tempPath)).toBe(false);
    expect(() => checkWritable(target)).toThrow(/already exists; add --force/);
    expect(() => checkWritable(target, { overwrite: true })).not.toThrow();
    expect(() => checkWritable('/nonexistent/cal.json', { overwrite: true })).toThrow('cannot write /nonexistent/cal.json: directory /nonexistent does not exist');
  });

  it('record and live --record check their file before a board is touched', async () => {
    const existing = path.join(dir, 'taken.tripod');
    fs.writeFileSync(existing, 'x');
    // --ble on a machine without Bluetooth would fail on connect: the output check comes first
    for (const [args, msg] of [
      [['record', '--ble', '--out', '/nonexistent/r.tripod'], 'tripod record: cannot write /nonexistent/r.tripod: directory /nonexistent does not exist'],
      [['record', '--ble', '--out', existing], `tripod record: ${existing} already exists; add --force to overwrite it or choose another --out`],
      [['record', '--ble', 'A', 'B', '--out', '/nonexistent/r.tripod'], 'tripod record: cannot write /nonexistent/r-A.tripod: directory /nonexistent does not exist'],
      [['live', '--ble', '--no-open', '--record', existing], `tripod live: ${existing} already exists; choose another --record file (live never overwrites a recording)`],
      [['live', '--ble', '--no-open', '--record', '/nonexistent/l.tripod'], 'tripod live: cannot write /nonexistent/l.tripod: directory /nonexistent does not exist'],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toBe(`${msg}\n`);
    }
    expect(fs.readFileSync(existing, 'utf8')).toBe('x');
  });

  it('calibrate --out /nonexistent/cal.json fails before the first step', async () => {
    const r = await runCli(['calibrate', '--sim', '--mass-kg', '10', '--yes', '--out', '/nonexistent/cal.json']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('tripod calibrate: cannot write /nonexistent/cal.json: directory /nonexistent does not exist; nothing was measured or written\n');
  });
});

describe('numbers and durations', () => {
  it('parseDecimal takes plain decimals only', () => {
    for (const [t, v] of [['12', 12], ['-0.5', -0.5], ['.5', 0.5], ['5.', 5], ['1e-3', 0.001], ['2.5E+2', 250]] as const) expect(parseDecimal(t), t).toBe(v);
    for (const t of ['0x10', '0b1', '0o7', ' 12', '12 ', '', 'Infinity', '1e999', 'NaN', '1_000', '1,5', '--1']) expect(parseDecimal(t), t).toBeNull();
  });

  it('flags refuse 0x10, Infinity and 1e308 s with one line', async () => {
    const out = path.join(dir, 'never.tripod');
    for (const [args, msg] of [
      [['record', '--out', out, '--duration', '0x10'], "tripod record: --duration must be a positive number, got '0x10'"],
      [['record', '--out', out, '--duration', 'Infinity'], "tripod record: --duration must be a positive number, got 'Infinity'"],
      [['record', '--out', out, '--duration', '1e308'], 'tripod record: --duration 1e+308 s is more than a year (31622400 s): give the duration in seconds, e.g. --duration 3600 for an hour'],
      [['emulate', '--duration', '1e308'], 'tripod emulate: --duration 1e+308 s is more than a year (31622400 s): give the duration in seconds, e.g. --duration 3600 for an hour'],
      [['tare', '--samples', '0x10'], "tripod tare: --samples must be an integer 1..255, got '0x10'"],
      [['live', '--port', '0x10'], "tripod live: --port must be an integer 0..65535, got '0x10'"],
      [['scan', '--timeout', '1e308'], 'tripod scan: --timeout 1e+308 s is longer than an hour: a scan needs seconds, e.g. --timeout 10'],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toBe(`${msg}\n`);
    }
    expect(fs.existsSync(out)).toBe(false);
  });

  it('setLongTimeout waits past 2^31-1 ms (where setTimeout fires at once) and fires once, on time', () => {
    vi.useFakeTimers();
    try {
      const fired: number[] = [];
      const start = Date.now();
      setLongTimeout(() => fired.push(Date.now() - start), 3_000_000_000);
      vi.advanceTimersByTime(MAX_TIMER_MS);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(3_000_000_000 - MAX_TIMER_MS - 1);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(fired).toEqual([3_000_000_000]);
      const t = setLongTimeout(() => fired.push(-1), 10);
      t.clear();
      vi.advanceTimersByTime(100);
      expect(fired).toEqual([3_000_000_000]);
      expect(() => setLongTimeout(() => {}, Infinity)).toThrow(RangeError);
    } finally {
      vi.useRealTimers();
    }
  });

  it('record --duration 3000000 keeps recording (no early exit 0) until Ctrl-C', async () => {
    const out = path.join(dir, 'long.tripod');
    const child = spawn(process.execPath, [path.join(ROOT, 'host/cli/bin.mjs'), 'record', '--sim', '--duration', '3000000', '--out', out], { cwd: ROOT, env: { ...process.env, CI: '1' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let exited: number | null | 'running' = 'running';
    const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve((exited = c))));
    try {
      // recording for real: the file grows past the header while the process stays up
      await vi.waitFor(() => expect(fs.existsSync(out) && fs.statSync(out).size > 2000).toBe(true), { timeout: 30_000, interval: 100 });
      expect(exited, err).toBe('running');
      child.kill('SIGINT');
      expect(await exit).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('text from files on the terminal', () => {
  it('escapeControl shows control characters as escapes', () => {
    expect(escapeControl('a\x1b[2Jb\r\n\t\x07\x7f\u009b\u2028')).toBe('a\\x1b[2Jb\\r\\n\\t\\x07\\x7f\\u009b\\u2028');
    expect(escapeControl('CoP x [mm] éß')).toBe('CoP x [mm] éß');
  });

  it('JSON for the terminal escapes DEL and the C1 controls too, and stays the same JSON', () => {
    const v = { subject: 'S\u009b2J\u007f\u2028x\u001b' };
    const text = terminalJson(v);
    expect(text).toBe('{"subject":"S\\u009b2J\\u007f\\u2028x\\u001b"}');
    expect(JSON.parse(text)).toEqual(v);
  });

  it('a subject id with control characters replays as escaped JSON', async () => {
    const f = path.join(dir, 'evil-subject.tripod');
    writeRecording(f, { samples: 80, seed: 1 }, new Set(), true, { subjectId: 'S\u001b[2J\u009b1m' });
    const r = await runCli(['replay', f, '--speed', 'max', '--json']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(JSON.parse(r.out).subject_id).toBe('S\u001b[2J\u009b1m');
  });

  it('a CSV header with a clear-screen sequence is quoted escaped in the error', async () => {
    const f = path.join(dir, 'evil.csv');
    fs.writeFileSync(f, 'time,\x1b[2J\x1b[Hx,y\x07\n0,1,2\n');
    const r = await runCli(['analyze', f]);
    expect(r.code).toBe(2);
    expect(r.err).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(r.err).toContain('\\x1b[2J\\x1b[Hx');
    expect(r.err).toContain('y\\x07');
  });
});

describe('analyze input bounds', () => {
  const csv = (rows: string[]): string => {
    const f = path.join(dir, `a${Math.random().toString(36).slice(2)}.csv`);
    fs.writeFileSync(f, `time,x,y\n${rows.join('\n')}\n`);
    return f;
  };
  const rows = (fx: (i: number) => string): string[] => Array.from({ length: 40 }, (_, i) => `${(i / 100).toFixed(2)},${fx(i)},3`);

  it('values near 1e300 are an error naming the line, not null metrics with exit 0', async () => {
    const r = await runCli(['analyze', csv(rows((i) => `${1 + (i % 3)}e300`)), '--unit', 'mm', '--json']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/line 2, column 'x': 1e300 is out of range/);
    const r2 = await runCli(['analyze', csv(rows((i) => `${1 + (i % 3)}e6`)), '--unit', 'mm', '--json']);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/line 2: CoP \(1000000, 3\) mm is not a position on a plate/);
  });

  it('0x10 is not read as 16', async () => {
    const r = await runCli(['analyze', csv(rows(() => '0x10')), '--unit', 'mm']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/line 2, column 'x': '0x10' is not a number/);
  });

  it('a 200 MB file is refused before it is read, saying the limit', async () => {
    const f = path.join(dir, 'huge.csv');
    const fd = fs.openSync(f, 'w');
    fs.ftruncateSync(fd, 200 * 1024 * 1024); // sparse: costs no disk
    fs.closeSync(fd);
    const r = await runCli(['analyze', f, '--unit', 'mm', '--rate', '100']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`tripod analyze: ${f} is 200 MB; analyze reads at most 32 MB (about 1 million rows): cut it to the trial first (e.g. head -n 1000000 FILE > trial.txt)\n`);
  });

  it('a still trace is still fine (no spectrum is not an overflow)', async () => {
    const r = await runCli(['analyze', csv(rows(() => '1')), '--unit', 'mm', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).mfreq_hz).toBeNull();
  });
});
