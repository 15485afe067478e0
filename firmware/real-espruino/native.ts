/**
 * Native code on the real interpreter: builds probe/native-probe.ts with the firmware's build
 * (firmware/build.ts, so the loader, ABI check and native streamer are the firmware's own code),
 * runs it on an ARM build (E.nativeCall runs the real Thumb code there) and compares its frames and
 * onOverflow calls with the TypeScript reference, createStreamer (firmware/src/stream.ts) over the
 * protocol's createFrameEncoder (format 1) or createFrameEncoder2 (format 2: every other random
 * stream and the 1.2 vectors), fed the same operations: every second-order golden vector of
 * protocol/vectors/sample-frames.json and seeded random streams (payloads 20..50, 1..16 samples per
 * frame, noise, jumps, int24 limits, flags, a small ring that overflows).
 *
 * The boot file allows native code explicitly (globalThis.TRIPOD_GPIO_BASE, README.md beside this
 * file) and gives the read tick a RAM block as GPIO (probeIo).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { xorshift32 } from '../../host/sim/random.ts';
import { buildFirmware } from '../build.ts';
import { createRing, ringPush, type SampleRing } from '../src/ring.ts';
import { createStreamer, streamerMethods, type StreamerMethods } from '../src/stream.ts';
import { createFrameEncoder2 } from '../../protocol/frame-encoder2.ts';
import vectors from '../../protocol/vectors/sample-frames.json' with { type: 'json' };
import { runOnInterpreter, type BuildName, type Interpreter, type RunResult } from './runner.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const PROBE_ENTRY = join(HERE, 'probe', 'native-probe.ts');

/** One operation of t.ops (probe/native-probe.ts). */
export type ProbeOp =
  | ['b', number, number, number, number]
  | ['p', number, number, number, number, number, number]
  | ['n']
  | ['e']
  | ['c', number, number]
  | ['k']
  | ['r', number]
  | ['f', number];

export function opsFile(ops: ProbeOp[]): Uint8Array {
  const out: number[] = [];
  for (const [code, ...args] of ops) {
    out.push(code.charCodeAt(0));
    for (const a of args) out.push(a & 255, (a >> 8) & 255, (a >> 16) & 255, (a >>> 24) & 255);
  }
  return new Uint8Array(out);
}

/** The log the probe writes for the ops ("F base64", "-", "O d f"), computed with the TypeScript streamer. */
export function referenceLog(ops: ProbeOp[]): string[] {
  const log: string[] = [];
  const onOverflow = (d: number, f: number): void => void log.push(`O ${d} ${f}`);
  let ring: SampleRing = createRing(64);
  let s: StreamerMethods = streamerMethods(createStreamer(ring, onOverflow));
  for (const op of ops) {
    if (op[0] === 'b') s.begin(op[1], op[2], op[3], op[4]);
    else if (op[0] === 'p') ringPush(ring, op[1], op[2], op[3], op[4], op[5], op[6]);
    else if (op[0] === 'n') {
      const f = s.nextFrame();
      log.push(f === null ? '-' : `F ${Buffer.from(f).toString('base64')}`);
    } else if (op[0] === 'e') s.end();
    else if (op[0] === 'c') s.configure(op[1], op[2]);
    else if (op[0] === 'k') s.forceKey();
    else if (op[0] === 'f') {
      // Right after 'r' (a fresh streamer): format 2 takes createFrameEncoder2 (STREAM_FORMAT on the probe).
      if (op[1] === 2) s = streamerMethods(createStreamer(ring, onOverflow, (a, b, c) => createFrameEncoder2(a, b, c)));
    } else {
      ring = createRing(op[1]);
      s = streamerMethods(createStreamer(ring, onOverflow));
    }
  }
  return log;
}

interface EncoderVector {
  payloadBytes: number;
  samplesPerFrame: number;
  keyInterval: number;
  startIndex: number;
  secondOrder: boolean;
  format?: number;
  samples: number[][];
  skips?: number[][];
}

/** Ops for every second-order golden vector without skips (one stream each, drained). */
export function goldenOps(): { ops: ProbeOp[]; streams: number } {
  const ops: ProbeOp[] = [];
  let streams = 0;
  for (const v of vectors.vectors as Array<{ encoder?: EncoderVector }>) {
    const e = v.encoder;
    if (!e || !e.secondOrder || e.skips) continue;
    streams++;
    ops.push(['r', 64], ['f', e.format ?? 1], ['b', e.payloadBytes, e.samplesPerFrame, e.keyInterval, e.startIndex]);
    for (const s of e.samples) ops.push(['p', s[0]!, s[1]!, s[2]!, s[3]!, s[4]!, Math.floor(s[5]!)], ['n']);
    ops.push(['e'], ...Array.from({ length: 12 }, (): ProbeOp => ['n']));
  }
  return { ops, streams };
}

/** Seeded random streams (xorshift32): `count` streams of `samples` samples each. */
export function randomOps(seed: number, count: number, samples: number): ProbeOp[] {
  const rnd = xorshift32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const ops: ProbeOp[] = [];
  for (let k = 0; k < count; k++) {
    const small = k % 3 === 2;
    ops.push(['r', small ? 8 : 64], ['f', (k % 2) + 1], ['b', int(20, 50), int(1, 16), int(1, 128), int(0, 0xffffff)]);
    const base = [0, 1, 2, 3].map(() => int(-8388608, 8388607));
    let t = rnd() < 0.3 ? 2 ** 31 - 3000 : int(0, 2 ** 30);
    const signal = k % 4;
    for (let i = 0; i < samples; i++) {
      t += int(10, 15);
      const c = base.map((b, ci) => {
        let v: number;
        if (signal === 0) v = b + int(-110, 110);
        else if (signal === 1) v = rnd() < 0.1 ? int(-8388608, 8388607) : b + int(-500, 500);
        else if (signal === 2) v = b + Math.round(20000 * Math.sin(i / 30 + ci));
        else v = rnd() < 0.5 ? 8388607 : -8388608;
        return (v << 8) >> 8;
      });
      ops.push(['p', c[0]!, c[1]!, c[2]!, c[3]!, rnd() < 0.05 ? int(1, 255) : 0, t | 0]);
      // Pull now and then (a small ring overflows between pulls), sometimes reconfigure or force a KEY.
      if (rnd() < (small ? 0.1 : 0.6)) ops.push(['n']);
      if (rnd() < 0.01) ops.push(['c', int(20, 50), int(1, 16)]);
      if (rnd() < 0.01) ops.push(['k']);
    }
    ops.push(['e'], ...Array.from({ length: 40 }, (): ProbeOp => ['n']));
  }
  return ops;
}

/** The boot file of the probe run: the log, the RAM GPIO block, and the explicit native allowance. */
export const PROBE_BOOT0 =
  // One File open for the run, as standins.js tlog: fs.appendFileSync opens one per line, and opening
  // one may defragment the variable store, moving the buffers whose addresses the native code holds.
  'var probeFile = null;\n' +
  'function probeLog(s) { if (!probeFile) probeFile = E.openFile("result.txt", "a"); probeFile.write(s + "\\n"); }\n' +
  'process.on("uncaughtException", function (e) { probeLog("X " + e); });\n' +
  'var probeIo = new Uint32Array(64);\n' +
  'globalThis.TRIPOD_GPIO_BASE = E.getAddressOf(probeIo, true) - 0x508;\n';

export interface ProbeResult {
  run: RunResult;
  loaded: boolean;
  gpioBase: number;
  log: string[];
  ticks: Array<{ step: number; r: number; sets: number; polls: number; outset: number; outclr: number; ringSize: number }>;
  uncaught: string[];
  finished: boolean;
}

/** Builds the probe with the firmware's build and runs `ops` on `build`. */
export async function runProbe(interp: Interpreter, build: BuildName, ops: ProbeOp[]): Promise<ProbeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tripod-probe-'));
  let probe: string;
  try {
    probe = buildFirmware(PROBE_ENTRY, join(dir, 'probe.js'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const run = await runOnInterpreter(interp, {
    build,
    files: { '.boot0': PROBE_BOOT0, '.bootcde': probe, 't.ops': opsFile(ops) },
    done: (r) => /^Z/m.test(r),
    timeoutS: 120 + ops.length / 200,
  });
  const res: ProbeResult = { run, loaded: false, gpioBase: 0, log: [], ticks: [], uncaught: [], finished: false };
  for (const line of run.result.split('\n')) {
    const f = line.split(' ');
    if (f[0] === 'L') {
      res.loaded = f[1] === '1';
      res.gpioBase = Number(f[2]);
    } else if (f[0] === 'F' || f[0] === 'O' || f[0] === '-') res.log.push(line);
    else if (f[0] === 'T') {
      const n = f.slice(1).map(Number);
      res.ticks.push({ step: n[0]!, r: n[1]!, sets: n[2]!, polls: n[3]!, outset: n[4]!, outclr: n[5]!, ringSize: n[6]! });
    } else if (f[0] === 'X') res.uncaught.push(line.slice(2));
    else if (f[0] === 'Z') res.finished = line === 'Z';
  }
  return res;
}

