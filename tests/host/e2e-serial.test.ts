/**
 * Serial end to end on a real pseudo-terminal pair (Debian socat) with the real serialport native
 * binding: the emulated board's Serial1 is bridged to one end, the host's SerialTransport opens the
 * other. Garbage and cut frames are injected on the way to the host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SerialPort } from 'serialport';
import { createSerialDeframer } from '../../protocol/index.ts';
import { serialChannelOf } from '../../host/transport/transport.ts';
import { openBoard } from '../../host/session.ts';
import { SampleStage } from '../../host/pipeline/samples.ts';
import type { ForceSample, PipelineEvent } from '../../host/pipeline/types.ts';
import { drivenBoard } from './helpers/virtual-board.ts';
import { rng } from './helpers/synthetic-stream.ts';

let socat: ChildProcess;

/** Awaits `p`, failing with a clear message after `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
const ptys: string[] = [];

beforeAll(async () => {
  socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0']);
  await new Promise<void>((resolve, reject) => {
    socat.on('error', reject);
    socat.stderr!.on('data', (b) => {
      for (const m of String(b).matchAll(/PTY is (\S+)/g)) ptys.push(m[1]!);
      if (ptys.length === 2) resolve();
    });
  });
});
afterAll(() => {
  socat?.kill();
});

describe('serial through a socat pty pair', () => {
  it('garbage and cut frames: every sample that arrives is exact, every loss is a gap of exact size', async () => {
    const d = drivenBoard({ seed: 51 });
    const boardEnd = new SerialPort({ path: ptys[0]!, baudRate: 115200 });
    await new Promise<void>((r, j) => boardEnd.on('open', r).on('error', j));
    // Reference: the clean byte stream the board wrote, deframed and decoded independently.
    const refDeframer = createSerialDeframer();
    const reference = new Map<number, number[]>();
    const refStage = new SampleStage(
      (s) => reference.set(s.index, Array.from(s.counts.subarray(s.at, s.at + 4))),
      () => {},
    );
    const r = rng(99);
    let injecting = false;
    let injectedGarbage = 0;
    let cuts = 0;
    d.board.serial.onData((bytes) => {
      for (const m of refDeframer.push(bytes)) {
        if (serialChannelOf(m) === 'data') refStage.push(m, 0);
      }
      let out = Buffer.from(bytes);
      if (injecting && r() < 0.05) {
        // cut: drop a slice out of the middle of this chunk (a frame loses its middle or its end)
        const a = Math.floor(r() * out.length);
        const b = Math.min(out.length, a + 1 + Math.floor(r() * 12));
        out = Buffer.concat([out.subarray(0, a), out.subarray(b)]);
        cuts++;
      }
      boardEnd.write(out);
      if (injecting && r() < 0.05) {
        const g = Buffer.from(Array.from({ length: 1 + Math.floor(r() * 30) }, () => Math.floor(r() * 256)));
        injectedGarbage += g.length;
        boardEnd.write(g);
      }
    });
    boardEnd.on('data', (b: Buffer) => d.board.serial.write(new Uint8Array(b)));

    const session = await openBoard({ kind: 'serial', path: ptys[1]! });
    expect(session.transport.description).toBe(`serial ${ptys[1]}`);
    const samples: ForceSample[] = [];
    const events: PipelineEvent[] = [];
    session.samples$.subscribe((x) => samples.push(x));
    session.events$.subscribe((e) => events.push(e));
    await d.until(d.board.now() + 2);
    injecting = true;
    await d.until(d.board.now() + 20);
    injecting = false;
    await d.until(d.board.now() + 2);
    // Under load the pty may lag the virtual board: let the host catch up before closing.
    await within(
      (async () => {
        while (samples.length < 1000) await new Promise((r) => setTimeout(r, 10));
      })(),
      20_000,
      'the host to receive 1000 samples',
    );
    await session.close();
    d.stop();
    await new Promise<void>((res) => boardEnd.close(() => res()));

    expect(cuts + injectedGarbage).toBeGreaterThan(0);
    expect(samples.length).toBeGreaterThan(1000);
    // Every sample the host produced is exactly the board's sample at that index.
    for (const s of samples) expect(s.raw, `index ${s.index}`).toEqual(reference.get(s.index));
    // Every missing index is inside exactly one reported gap, and nothing else is.
    const idx = samples.map((s) => s.index);
    const holes: Array<[number, number]> = [];
    for (let i = 1; i < idx.length; i++) {
      expect(idx[i]).toBeGreaterThan(idx[i - 1]!);
      if (idx[i] !== idx[i - 1]! + 1) holes.push([idx[i - 1]! + 1, idx[i]! - idx[i - 1]! - 1]);
    }
    const gaps = events.filter((e): e is Extract<PipelineEvent, { type: 'gap' }> => e.type === 'gap').map((g) => [g.fromIndex, g.count]);
    expect(gaps).toEqual(holes);
    expect(holes.length).toBeGreaterThan(0);
    // The bad frames were counted and reported, never thrown.
    expect(events.some((e) => e.type === 'frame-error' && e.code === 'link')).toBe(true);
    expect(session.stats().lost).toBe(holes.reduce((a, h) => a + h[1], 0));
  });

  it('the port vanishes mid-stream (cable pulled) and comes back: reopened, gap exact, nothing received lost', async () => {
    const linkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-pty-'));
    const boardPath = path.join(linkDir, 'board');
    const hostPath = path.join(linkDir, 'host');
    const startSocat = async (): Promise<ChildProcess> => {
      const p = spawn('socat', [`pty,raw,echo=0,link=${boardPath}`, `pty,raw,echo=0,link=${hostPath}`]);
      for (let i = 0; i < 100 && !(fs.existsSync(boardPath) && fs.existsSync(hostPath)); i++) await new Promise((r) => setTimeout(r, 20));
      return p;
    };
    let link = await startSocat();
    const d = drivenBoard({ seed: 52 });
    let boardEnd: SerialPort | null = null;
    const attach = async (): Promise<void> => {
      const p = new SerialPort({ path: boardPath, baudRate: 115200 });
      await new Promise<void>((r, j) => p.on('open', r).on('error', j));
      p.on('error', () => {});
      p.on('data', (b: Buffer) => d.board.serial.write(new Uint8Array(b)));
      boardEnd = p;
    };
    d.board.serial.onData((bytes) => {
      if (boardEnd?.isOpen) boardEnd.write(Buffer.from(bytes));
    });
    await attach();
    const session = await openBoard({ kind: 'serial', path: hostPath }, { serial: { reconnectInitialMs: 50 } });
    const samples: ForceSample[] = [];
    const events: PipelineEvent[] = [];
    session.samples$.subscribe((x) => samples.push(x));
    session.events$.subscribe((e) => events.push(e));
    // Under load the pty may lag the virtual board: wait for what the host has really received.
    const received = async (n: number, what: string): Promise<void> => {
      const want = samples.length + n;
      await within(
        (async () => {
          while (samples.length < want) await new Promise((r) => setTimeout(r, 10));
        })(),
        20_000,
        what,
      );
    };
    await received(200, '200 samples before the cable is pulled');
    // Pull the cable: both pty ends vanish.
    const gone = new Promise<void>((r) => session.events$.subscribe((e) => e.type === 'link-lost' && r()));
    const restored = new Promise<void>((r) => session.events$.subscribe((e) => e.type === 'link-restored' && r()));
    const exited = new Promise((r) => link.on('exit', r));
    link.kill();
    await within(exited, 10_000, 'socat to exit');
    await within(gone, 10_000, 'the host to notice the vanished port');
    boardEnd = null;
    // socat removes its links on exit; make sure, so the new links are not mistaken for the old ones
    fs.rmSync(boardPath, { force: true });
    fs.rmSync(hostPath, { force: true });
    link = await startSocat();
    await attach();
    await within(restored, 20_000, 'the host to reopen the port');
    await received(200, '200 samples after the port is back');
    await session.close();
    d.stop();
    const be = boardEnd as SerialPort | null;
    if (be) await new Promise<void>((res) => be.close(() => res()));
    link.kill();
    fs.rmSync(linkDir, { recursive: true, force: true });

    const idx = samples.map((s) => s.index);
    const holes: Array<[number, number]> = [];
    for (let i = 1; i < idx.length; i++) {
      expect(idx[i]).toBeGreaterThan(idx[i - 1]!);
      if (idx[i] !== idx[i - 1]! + 1) holes.push([idx[i - 1]! + 1, idx[i]! - idx[i - 1]! - 1]);
    }
    const gaps = events.filter((e): e is Extract<PipelineEvent, { type: 'gap' }> => e.type === 'gap');
    expect(gaps.map((g) => [g.fromIndex, g.count])).toEqual(holes);
    expect(holes.length).toBeGreaterThan(0);
    expect(gaps[0]!.reason).toMatch(/^link lost \(serial port (disconnected|closed|disappeared)\)/);
    expect(samples.filter((s) => s.index > holes[0]![0]).length).toBeGreaterThan(100);
  });

  it('a port that does not exist: one line naming it', async () => {
    await expect(openBoard({ kind: 'serial', path: '/dev/tripod-nope' })).rejects.toThrow(/^cannot open serial port \/dev\/tripod-nope: /);
  });

  it('listing ports where udev is missing does not crash: tripod scan --serial says so in one line', () => {
    const bin = path.resolve('host/cli/bin.mjs');
    const r = spawnSync(process.execPath, [bin, 'scan', '--serial'], { env: { ...process.env, PATH: '/nonexistent' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^tripod scan: cannot list serial ports here \(.*\); name the port with --serial PATH\n$/);
  });
});
