/**
 * A full disk while recording or exporting (issue 12): recording stops with one line, `live` keeps
 * running and shows it on the page, nothing already written is damaged. On a real 64 KiB tmpfs when
 * this machine lets the test mount one (root), and always with an injected ENOSPC.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { StatusMessage } from '../../host/live/messages.ts';
import { openRecording } from '../../host/recording/reader.ts';
import { RecordingWriter } from '../../host/recording/writer.ts';
import { runCli } from './helpers/cli.ts';
import { header, writeRecording } from './helpers/synthetic-recording.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-full-'));
const enospc = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/** A 64 KiB tmpfs, or null (with the reason printed once) when it cannot be mounted here. */
function mountTmpfs(): string | null {
  const mnt = path.join(dir, 'tmpfs');
  fs.mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'pipe' });
    return mnt;
  } catch (e) {
    console.log(`full-disk tests: cannot mount a tmpfs here (${String((e as { stderr?: Buffer }).stderr ?? e).trim()}); the injected ENOSPC cases still run`);
    return null;
  }
}
const tmpfs = mountTmpfs();
afterAll(() => {
  if (tmpfs) execFileSync('umount', [tmpfs]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Empties the tmpfs and fills it so that about `freeKiB` remain. */
function leaveFree(freeKiB: number): void {
  for (const n of fs.readdirSync(tmpfs!)) fs.rmSync(path.join(tmpfs!, n), { force: true });
  const filler = path.join(tmpfs!, 'filler');
  fs.writeFileSync(filler, Buffer.alloc((64 - freeKiB) * 1024));
}

const sha = (f: string): string => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

function tripod(args: string[]): { child: ReturnType<typeof spawn>; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(ROOT, 'host/cli/bin.mjs'), ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, out: () => out, err: () => err, exit };
}

describe('injected ENOSPC in the recording writer', () => {
  it('cuts the half-written record off, keeps every earlier one, reports once and never throws', () => {
    const file = path.join(dir, 'injected.tripod');
    let calls = 0;
    let failAt = Infinity;
    const w = RecordingWriter.create(file, header(), {
      fsyncEveryMs: 0,
      writeSync: (fd, buf, off, len) => {
        calls++;
        if (calls === failAt) return fs.writeSync(fd, buf, off, Math.min(len, 5)); // a short write ...
        if (calls > failAt) throw enospc(); // ... then the disk is full
        return fs.writeSync(fd, buf, off, len);
      },
    });
    for (let i = 0; i < 50; i++) w.writeMessage('data', 1000 + i, new Uint8Array([0x10, i, 0, 0, 1, 2, 3]));
    const intact = w.bytes;
    const reports: string[] = [];
    w.onError((m) => reports.push(m));
    failAt = calls + 1;
    expect(() => w.writeMessage('data', 2000, new Uint8Array(40).fill(7))).not.toThrow();
    expect(() => w.writeLink({ event: 'link-lost', hostTimeMs: 2001 })).not.toThrow();
    expect(() => w.close('end')).not.toThrow();
    expect(reports).toEqual([`cannot write ${file}: the disk is full; recording stopped after 50 messages (${intact} bytes, all intact)`]);
    expect(w.error).toBe(reports[0]);
    expect(fs.statSync(file).size).toBe(intact);
    const rec = openRecording(file);
    const all = [...rec.records()];
    expect(all.filter((r) => r.type === 'message')).toHaveLength(50);
    expect(rec.report.damaged).toEqual([]);
    expect(rec.report.truncatedAt).toBeNull();
    expect(rec.report.end).toBeNull();
  });

  it('--force over an existing file: the old file stays until the first sample frame is on disk', () => {
    const file = path.join(dir, 'replace.tripod');
    fs.writeFileSync(file, 'old recording');
    const aside = (): string[] => fs.readdirSync(dir).filter((n) => n.startsWith('.replace.tripod.'));
    // the board never streams (start failed): the old file is kept, nothing left aside
    const a = RecordingWriter.create(file, header(), { overwrite: true, fsyncEveryMs: 0 });
    a.writeMessage('control', 1, new Uint8Array([0x13, 1, 2, 0]));
    expect(fs.readFileSync(file, 'utf8')).toBe('old recording');
    expect(aside()).toHaveLength(1);
    a.close('start failed');
    expect(fs.readFileSync(file, 'utf8')).toBe('old recording');
    expect(aside()).toEqual([]);
    // a disk full before the first sample: the same, and the line says so
    let full = false;
    const b = RecordingWriter.create(file, header(), { overwrite: true, fsyncEveryMs: 0, writeSync: (fd, buf, off, len) => { if (full) throw enospc(); return fs.writeSync(fd, buf, off, len); } });
    full = true;
    b.writeMessage('data', 2, new Uint8Array([0x10, 0, 0, 0]));
    expect(b.error).toBe(`cannot write ${file}: the disk is full; recording stopped before its first sample (${file} is unchanged)`);
    expect(fs.readFileSync(file, 'utf8')).toBe('old recording');
    expect(aside()).toEqual([]);
    // the first sample frame: the new recording takes the name, and keeps growing there
    const c = RecordingWriter.create(file, header(), { overwrite: true, fsyncEveryMs: 0 });
    c.writeMessage('data', 3, new Uint8Array([0x10, 0, 0, 0, 1]));
    c.writeMessage('data', 4, new Uint8Array([0x11, 1, 0, 2]));
    c.close('done');
    expect(aside()).toEqual([]);
    const rec = openRecording(file);
    expect([...rec.records()].filter((r) => r.type === 'message')).toHaveLength(2);
    expect(rec.report.end?.messages).toBe(2);
  });

  it.runIf(fs.existsSync('/dev/full'))('a disk too full for the header: an error, and no file left (never a device removed)', () => {
    expect(() => RecordingWriter.create('/dev/full', header(), { overwrite: true })).toThrow(/^cannot write \/dev\/full: the disk is full/);
    expect(fs.existsSync('/dev/full')).toBe(true);
  });
});

describe.runIf(tmpfs !== null)('a real full disk (64 KiB tmpfs)', () => {
  it('tripod record: one line, exit 1, the file replays whole; other files on the disk untouched', async () => {
    leaveFree(12);
    const other = path.join(tmpfs!, 'earlier.tripod');
    writeRecording(other, { samples: 80, seed: 1 });
    const before = sha(other);
    const file = path.join(tmpfs!, 'r.tripod');
    const p = tripod(['record', '--sim', '--duration', '300', '--out', file]);
    try {
      expect(await p.exit).toBe(1);
    } finally {
      p.child.kill('SIGKILL');
    }
    const lines = p.err().split('\n').filter((l) => l.startsWith('tripod record:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^tripod record: cannot write ${file}: the disk is full; recording stopped after \\d+ messages \\(\\d+ bytes, all intact\\)$`));
    expect(p.err()).not.toMatch(/\n\s+at /); // no stack trace
    const bytes = Number(/\((\d+) bytes/.exec(lines[0]!)![1]);
    expect(fs.statSync(file).size).toBe(bytes);
    const r = await runCli(['replay', file, '--speed', 'max', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.samples).toBeGreaterThan(100);
    expect(s).toMatchObject({ lost: 0, damaged: [], stopped_at_byte: null, clean_end: false });
    expect(sha(other)).toBe(before);
  }, 120_000);

  it('tripod live --record: the recording stops with one line, the page shows it, live goes on', async () => {
    leaveFree(12);
    const file = path.join(tmpfs!, 'live.tripod');
    const p = tripod(['live', '--no-open', '--port', '0', '--record', file]);
    try {
      await vi.waitFor(() => expect(p.out()).toMatch(/tripod live: http:\/\/127\.0\.0\.1:\d+\//), { timeout: 60_000 /* start-up took 25 s at load 14 */, interval: 100 });
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(p.out())![1]!;
      const statuses: StatusMessage[] = [];
      const ws = new WebSocket(`${url.replace('http', 'ws')}ws`);
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(d.toString()) as { type: string };
        if (m.type === 'status') statuses.push(m as StatusMessage);
      });
      await vi.waitFor(() => expect(statuses.at(-1)?.recordingError ?? null).not.toBeNull(), { timeout: 90_000, interval: 200 });
      const stopped = statuses.at(-1)!;
      expect(stopped.recording).toBe(file);
      expect(stopped.recordingError).toMatch(new RegExp(`^cannot write ${file}: the disk is full; recording stopped after \\d+ messages`));
      // live goes on: more samples arrive after the recording stopped
      await vi.waitFor(() => expect(statuses.at(-1)!.samples).toBeGreaterThan(stopped.samples + 80), { timeout: 10_000, interval: 200 });
      expect(p.err().split('\n').filter((l) => l.startsWith('tripod live: cannot write'))).toHaveLength(1);
      expect(p.err()).toMatch(/; live view and trials go on\n/);
      ws.close();
      p.child.kill('SIGINT');
      expect(await p.exit).toBe(0);
      const r = await runCli(['replay', file, '--speed', 'max', '--json']);
      expect(JSON.parse(r.out)).toMatchObject({ lost: 0, damaged: [], stopped_at_byte: null });
    } finally {
      p.child.kill('SIGKILL');
    }
  }, 180_000);

  it('tripod export onto a full disk: one line, the existing output unchanged, no temporary file left', async () => {
    const rec = path.join(dir, 'big.tripod');
    writeRecording(rec, { samples: 2400, seed: 2 });
    leaveFree(16);
    const keep = path.join(tmpfs!, 'keep.csv');
    fs.writeFileSync(keep, 'precious\n');
    const r = await runCli(['export', rec, '--format', 'csv', '--out', keep, '--force']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`tripod export: cannot write ${keep}: the disk is full; nothing was written (${keep} is unchanged)\n`);
    expect(fs.readFileSync(keep, 'utf8')).toBe('precious\n');
    expect(fs.readdirSync(tmpfs!).sort()).toEqual(['filler', 'keep.csv']);
  });
});
