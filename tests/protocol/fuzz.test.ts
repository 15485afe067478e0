/**
 * Fuzz: well over 100,000 random and mutated frames into every decoder (stream decoder, command
 * decoder, device-message decoder, serial deframer). Nothing may throw, every input is accounted
 * for (accepted or counted as rejected with a reason), and accepted sample blocks are well-formed.
 * Deterministic (seeded) so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import {
  CELLS,
  COUNT_MAX,
  COUNT_MIN,
  createFrameEncoder,
  createFrameEncoder2,
  createSerialDeframer,
  maxSamples,
  createStreamDecoder,
  decodeCommand,
  decodeDeviceMessage,
  encodeSerialFrame,
} from '../../protocol/index.ts';
import { mulberry32 } from '../../host/sim/random.ts';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const control = JSON.parse(readFileSync(join(ROOT, 'protocol', 'vectors', 'control.json'), 'utf8'));
const hexToBytes = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

const rnd = mulberry32(20261129);
const int = (n: number): number => Math.floor(rnd() * n);

/** Good frames to mutate: a realistic-ish stream at payloads 20, 50 and 244, in 1.1 and 1.2 frames. */
function seedFrames(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const [payload, v2] of [[20, false], [50, false], [244, false], [20, true], [50, true], [244, true]] as const) {
    const enc = v2 ? createFrameEncoder2(payload, payload === 20 ? 3 : 8, 40) : createFrameEncoder(payload, payload === 20 ? 3 : 8, 40, payload !== 244);
    enc.start();
    let v = [100000, -200000, 300000, 5];
    for (let i = 0; i < 400; i++) {
      v = v.map((x) => Math.max(COUNT_MIN, Math.min(COUNT_MAX, x + int(4001) - 2000)));
      let f = enc.add(v[0]!, v[1]!, v[2]!, v[3]!, i % 50 === 7 ? 0x13 : 0, i * 12.5);
      while (f) {
        out.push(f);
        f = enc.poll();
      }
    }
  }
  return out;
}

function mutate(src: Uint8Array, pool: Uint8Array[]): Uint8Array {
  const op = int(9);
  const b = src.slice();
  switch (op) {
    case 0: // flip 1-3 bits
      for (let k = 0, n = 1 + int(3); k < n && b.length > 0; k++) b[int(b.length)]! ^= 1 << int(8);
      return b;
    case 1: // replace a byte
      if (b.length > 0) b[int(b.length)] = int(256);
      return b;
    case 2: // truncate
      return b.subarray(0, int(b.length + 1));
    case 3: // extend with random bytes
      return Uint8Array.from([...b, ...Array.from({ length: 1 + int(8) }, () => int(256))]);
    case 4: // splice two frames
      {
        const o = pool[int(pool.length)]!;
        return Uint8Array.from([...b.subarray(0, int(b.length + 1)), ...o.subarray(int(o.length + 1))]);
      }
    case 5: // random first byte
      if (b.length > 0) b[0] = int(256);
      return b;
    case 6: // random mode byte (DELTA) / flags (KEY)
      if (b.length > 2) b[2] = int(256);
      return b;
    case 7: // fully random
      return Uint8Array.from({ length: int(60) }, () => int(256));
    default: // unchanged (valid frames interleave with broken ones)
      return b;
  }
}

describe('fuzz', () => {
  const seeds = seedFrames();

  it('stream decoder: 120,000 random and mutated frames, no throw, every frame accounted, blocks well-formed', () => {
    let dec = createStreamDecoder();
    let pushed = 0;
    let accepted = 0;
    for (let i = 0; i < 120_000; i++) {
      if (i % 5000 === 0) {
        expect(dec.stats.frames).toBe(pushed);
        dec = createStreamDecoder();
        pushed = 0;
        accepted = 0;
      }
      const f = mutate(seeds[i % seeds.length]!, seeds);
      let b;
      try {
        b = dec.push(f);
      } catch (e) {
        throw new Error(`stream decoder threw on ${Buffer.from(f).toString('hex')}: ${String(e)}`);
      }
      pushed++;
      if (b) {
        accepted++;
        expect(dec.lastError).toBeNull();
        if (b.count < 1 || b.counts.length !== b.count * CELLS || b.flags.length !== b.count) throw new Error('malformed block');
        for (const c of b.counts) if (c < COUNT_MIN || c > COUNT_MAX) throw new Error(`count ${c} outside int24`);
      } else {
        expect(dec.lastError?.message.length).toBeGreaterThan(10);
      }
      if (dec.stats.rejected + accepted !== pushed) throw new Error('a frame was neither accepted nor counted');
      const sumByCode = Object.values(dec.stats.errors).reduce((a, n) => a + n, 0);
      if (sumByCode !== dec.stats.rejected) throw new Error('errors by code do not add up');
    }
  });

  it('stream decoder, decodeInto: 120,000 mutated frames into arrays of maxSamples(length): no throw, samples int24, block consistent', () => {
    let dec = createStreamDecoder();
    const counts = new Int32Array(CELLS * 300);
    const flags = new Uint8Array(300);
    let accepted = 0;
    for (let i = 0; i < 120_000; i++) {
      if (i % 5000 === 0) dec = createStreamDecoder();
      const f = mutate(seeds[(i * 7) % seeds.length]!, seeds);
      const at = i % 3; // also at an offset: room is maxSamples(length) from `at`
      let n: number;
      try {
        n = dec.decodeInto(f, counts.subarray(0, CELLS * (at + maxSamples(f.length))), flags.subarray(0, at + maxSamples(f.length)), at);
      } catch (e) {
        throw new Error(`decodeInto threw on ${Buffer.from(f).toString('hex')}: ${String(e)}`);
      }
      if (n > 0) {
        accepted++;
        if (dec.block.count !== n || dec.lastError !== null) throw new Error('block does not describe the decoded samples');
        for (let k = CELLS * at; k < CELLS * (at + n); k++) if (counts[k]! < COUNT_MIN || counts[k]! > COUNT_MAX) throw new Error('count outside int24');
      } else if (!dec.lastError) throw new Error('rejected without a reason');
    }
    expect(accepted).toBeGreaterThan(1_000); // frames come out of order here: mostly KEYs decode
  });

  it('decodeInto refuses arrays too small for the frame with a RangeError, before touching the stream state', () => {
    const enc = createFrameEncoder2(50, 8, 80);
    enc.start();
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      let f = enc.add(1000 + i, 2000, 3000, 4000, 0, i * 12.5);
      while (f) {
        frames.push(f);
        f = enc.poll();
      }
    }
    const dec = createStreamDecoder();
    expect(() => dec.decodeInto(frames[0]!, new Int32Array(4), new Uint8Array(1), 0)).toThrow(RangeError);
    expect(dec.decodeInto(frames[0]!, new Int32Array(CELLS * 64), new Uint8Array(64), 0)).toBe(8);
    expect(dec.block).toMatchObject({ firstIndex: 0, count: 8, key: true, streamStart: true, gapBefore: 0, framesLost: 0 });
  });

  it('command and device-message decoders: 120,000 random and mutated messages each, no throw, every refusal has a status or reason', () => {
    const pool = control.vectors.map((v: { hex: string }) => hexToBytes(v.hex));
    for (let i = 0; i < 120_000; i++) {
      const m = mutate(pool[i % pool.length]!, pool);
      const c = decodeCommand(m);
      if (!c.ok) {
        if (!(c.status >= 1 && c.status <= 6) || c.reason.length < 5) throw new Error(`bad refusal for ${Buffer.from(m).toString('hex')}`);
        if (c.reqId < 0 || c.reqId > 255 || c.code < 0 || c.code > 255) throw new Error('refusal ids out of range');
      }
      const d = decodeDeviceMessage(m);
      if (!d.ok && d.reason.length < 5) throw new Error('device message refused without a reason');
    }
  });

  it('serial deframer: 110,000 random and mutated frames in one stream, every non-empty frame counted once', () => {
    const d = createSerialDeframer();
    const pool = seeds.map((f) => encodeSerialFrame(f));
    let expectedFrames = 0;
    let good = 0;
    let got = 0;
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 110_000; i++) {
      const src = pool[i % pool.length]!;
      const op = int(4);
      let frame: Uint8Array;
      if (op === 0) {
        frame = src; // untouched: 00 body 00
        good++;
      } else {
        // Mutate the body only (between the delimiters), keep it 0x00-free so frame boundaries stay known.
        const body = mutate(src.subarray(1, src.length - 1), pool).map((x) => (x === 0 ? 1 : x));
        frame = Uint8Array.from([0, ...body, 0]);
      }
      if (frame.length > 2) expectedFrames++;
      chunks.push(frame);
      if (chunks.length === 64) {
        got += flushChunks();
      }
    }
    got += flushChunks();
    const s = d.stats;
    expect(s.messages + s.crcErrors + s.cobsErrors + s.shortFrames + s.oversizeFrames).toBe(expectedFrames);
    expect(s.messages).toBe(got);
    expect(s.messages).toBeGreaterThanOrEqual(good);
    expect(s.crcErrors).toBeGreaterThan(0);
    expect(s.cobsErrors).toBeGreaterThan(0);

    function flushChunks(): number {
      const all = Uint8Array.from(chunks.flatMap((c) => Array.from(c)));
      chunks.length = 0;
      let n = 0;
      // Random chunk boundaries.
      for (let o = 0; o < all.length; ) {
        const len = 1 + int(40);
        n += d.push(all.subarray(o, o + len)).length;
        o += len;
      }
      return n;
    }
  });

  it('serial deframer: random bytes (no frames at all) never throw and are all counted as garbage', () => {
    const d = createSerialDeframer();
    let fed = 0;
    for (let i = 0; i < 2000; i++) {
      const chunk = Uint8Array.from({ length: 1 + int(200) }, () => (rnd() < 0.02 ? 0 : 1 + int(255)));
      expect(d.push(chunk).length).toBeLessThanOrEqual(1); // a random frame passing CRC-32 is ~2^-32
      fed += chunk.length;
    }
    d.push(new Uint8Array([0])); // zero bytes are delimiters, the rest must all be counted as garbage
    expect(d.stats.garbageBytes).toBeGreaterThan(fed * 0.9);
  });
});
