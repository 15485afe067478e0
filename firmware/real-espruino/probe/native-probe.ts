/**
 * Device side of the native-code check on the real interpreter (firmware/real-espruino/native.ts
 * builds it with firmware/build.ts and runs it on an ARM build): the firmware's own loader and ABI
 * check (native.ts loadNative), its native encoder (native-stream.ts over ring.ts) driven by the
 * operations of Storage file t.ops, and the read tick (NAT_TICK) against the RAM block the boot
 * file's stand-in gives as GPIO (globalThis.TRIPOD_GPIO_BASE = block address - 0x508: OUTSET, OUTCLR,
 * IN are words 0..2 of probeIo).
 *
 * t.ops: one letter per operation, then int32 LE arguments: b payload spf keyInt first (begin),
 * p c0 c1 c2 c3 flags t (ring push), n (nextFrame), e (end), c payload spf (configure), k (forceKey),
 * r capacity (a new ring and streamer). Output lines (probeLog, the boot file's one open File):
 * "L loaded gpioBase", "F base64" per frame, "-" per null nextFrame, "O dropped first" per
 * onOverflow, "T step r sets polls outset outclr ringSize" per tick, "Z" at the end.
 */
import { addressOf, gpioBase, loadNative, NAT_TICK, type NativeFn } from '../../src/native.ts';
import { createNativeStreamer } from '../../src/native-stream.ts';
import { STREAM_BEGIN, STREAM_CONFIGURE, STREAM_END, STREAM_FORCE_KEY, STREAM_FORMAT, type Streamer } from '../../src/stream.ts';
import { createRing, ringPush, ringSetAddresses, ringSize, type SampleRing } from '../../src/ring.ts';

declare function probeLog(line: string): void;
declare const probeIo: Uint32Array;
declare function btoa(s: string): string;

function opInt(s: string, at: number): number {
  return s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24);
}

function frameText(f: Uint8Array): string {
  let s = '';
  for (let i = 0; i < f.length; i++) s += String.fromCharCode(f[i] as number);
  return btoa(s);
}

function runOps(nat: NativeFn): void {
  const ops = require('Storage').read('t.ops');
  if (ops === undefined) {
    probeLog('Z no t.ops');
    return;
  }
  let ring: SampleRing = createRing(64);
  const onOverflow = function (d: number, f: number): void {
    probeLog('O ' + d + ' ' + f);
  };
  let s: Streamer | null = createNativeStreamer(ring, nat, addressOf, onOverflow);
  let at = 0;
  while (at < ops.length && s !== null) {
    const op = ops.charAt(at);
    at++;
    if (op === 'b') {
      s.ctl(STREAM_BEGIN, opInt(ops, at), opInt(ops, at + 4), opInt(ops, at + 8), opInt(ops, at + 12));
      at += 16;
    } else if (op === 'p') {
      ringPush(ring, opInt(ops, at), opInt(ops, at + 4), opInt(ops, at + 8), opInt(ops, at + 12), opInt(ops, at + 16), opInt(ops, at + 20));
      at += 24;
    } else if (op === 'n') {
      const f = s.nextFrame();
      probeLog(f === null ? '-' : 'F ' + frameText(f));
    } else if (op === 'e') {
      s.ctl(STREAM_END);
    } else if (op === 'c') {
      s.ctl(STREAM_CONFIGURE, opInt(ops, at), opInt(ops, at + 4));
      at += 8;
    } else if (op === 'k') {
      s.ctl(STREAM_FORCE_KEY);
    } else if (op === 'f') {
      s.ctl(STREAM_FORMAT, opInt(ops, at));
      at += 4;
    } else if (op === 'r') {
      ring = createRing(opInt(ops, at));
      at += 4;
      s = createNativeStreamer(ring, nat, addressOf, onOverflow);
    }
  }
  if (s === null) probeLog('Z no flat buffer for the native streamer');
}

/** One NAT_TICK with IN set to `inWord`; logs what it did. */
function tick(nat: NativeFn, hb: Int32Array, hbA: number, ring: SampleRing, step: number, inWord: number, now: number): void {
  probeIo[0] = 0;
  probeIo[1] = 0;
  probeIo[2] = inWord;
  const r = nat(NAT_TICK, hbA, now);
  probeLog('T ' + step + ' ' + r + ' ' + hb[22] + ' ' + hb[24] + ' ' + probeIo[0] + ' ' + probeIo[1] + ' ' + ringSize(ring));
}

/** The read tick on the RAM GPIO block: all ready (a repeat: the JS check), not ready (a poll), a usual set (stored). */
function runTicks(nat: NativeFn): void {
  const ring = createRing(64);
  const hb = new Int32Array(41);
  for (let c = 0; c < 4; c++) {
    hb[1 + c] = 1 << (11 + c);
    hb[5 + c] = 1 << (16 + c);
  }
  hb[18] = 1;
  hb[19] = addressOf(ring.state);
  if (!ringSetAddresses(ring, addressOf) || hb[19] === 0) {
    probeLog('T 0 no flat ring');
    return;
  }
  hb[21] = 12;
  hb[25] = 13;
  hb[26] = 15;
  hb[27] = 2 * 4096;
  hb[28] = 12.5 * 4096;
  hb[31] = 8;
  hb[32] = 0.25 * 4096;
  hb[33] = 160;
  hb[34] = 240;
  hb[37] = 300;
  hb[38] = 4300;
  hb[40] = gpioBase();
  const hbA = addressOf(hb);
  tick(nat, hb, hbA, ring, 1, 0, 1000);
  tick(nat, hb, hbA, ring, 2, 0xf0000, 1200);
  for (let c = 0; c < 4; c++) hb[13 + c] = 5 + c;
  tick(nat, hb, hbA, ring, 3, 0, 1400);
}

function probe(): void {
  const nat = loadNative();
  probeLog('L ' + (nat !== null ? 1 : 0) + ' ' + gpioBase());
  if (nat !== null) {
    try {
      runOps(nat);
    } catch (e) {
      probeLog('X ' + e);
    }
    runTicks(nat);
  }
  probeLog('Z');
}

probe();
