/** Small units: CRC-32, COBS, the encoder's API contract, the decoder's error lines. */
import { describe, expect, it } from 'vitest';
import {
  FLAG_STREAM_START,
  KEY_INTERVAL_MAX,
  bitLength,
  cobsDecodeInto,
  cobsEncodeInto,
  cobsMaxEncodedLength,
  crc32,
  createFrameEncoder,
  createStreamDecoder,
  deltaBodyBytes,
  packResiduals,
} from '../../protocol/index.ts';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('crc32', () => {
  it('matches the zlib check values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(ascii('xx123456789yy'), 2, 11)).toBe(0xcbf43926);
  });
});

describe('COBS', () => {
  const enc = (src: number[]): number[] => {
    const out = new Uint8Array(cobsMaxEncodedLength(src.length));
    return Array.from(out.subarray(0, cobsEncodeInto(Uint8Array.from(src), out, 0)));
  };
  it('encodes the textbook examples', () => {
    expect(enc([0x00])).toEqual([0x01, 0x01]);
    expect(enc([0x00, 0x00])).toEqual([0x01, 0x01, 0x01]);
    expect(enc([0x11, 0x22, 0x00, 0x33])).toEqual([0x03, 0x11, 0x22, 0x02, 0x33]);
    expect(enc([0x11, 0x22, 0x33, 0x44])).toEqual([0x05, 0x11, 0x22, 0x33, 0x44]);
    expect(enc([0x11, 0x00, 0x00, 0x00])).toEqual([0x02, 0x11, 0x01, 0x01, 0x01]);
    const run254 = Array.from({ length: 254 }, (_, i) => i + 1);
    expect(enc(run254)).toEqual([0xff, ...run254]);
    expect(enc([...run254, 0xff])).toEqual([0xff, ...run254, 0x02, 0xff]);
    expect(enc([0, ...run254])).toEqual([0x01, 0xff, ...run254]);
  });
  it('round-trips every length up to 600 with zeros anywhere', () => {
    for (let n = 0; n <= 600; n += n < 300 ? 1 : 7) {
      const src = Uint8Array.from({ length: n }, (_, i) => ((i * 37) % 11 === 0 ? 0 : (i * 13) & 0xff));
      const e = new Uint8Array(cobsMaxEncodedLength(n));
      const len = cobsEncodeInto(src, e, 0);
      expect(e.subarray(0, len).includes(0)).toBe(false);
      const d = new Uint8Array(len);
      expect(cobsDecodeInto(e, 0, len, d)).toBe(n);
      expect(d.subarray(0, n)).toEqual(src);
    }
  });
  it('rejects broken structure', () => {
    const d = new Uint8Array(16);
    expect(cobsDecodeInto(Uint8Array.from([0x05, 1, 2]), 0, 3, d)).toBe(-1);
    expect(cobsDecodeInto(Uint8Array.from([0x02, 1, 0x00]), 0, 3, d)).toBe(-1);
  });
});

describe('bit helpers', () => {
  it('bitLength, deltaBodyBytes, packResiduals', () => {
    expect([0, 1, 2, 3, 255, 256, 0x7fffff, 0x7fffffff].map(bitLength)).toEqual([0, 1, 2, 2, 8, 9, 23, 31]);
    expect(deltaBodyBytes(3, 11, false)).toBe(17);
    expect(deltaBodyBytes(3, 11, true)).toBe(20);
    const R = Int32Array.from([1, -1, 5, -8].map((r) => r << 8));
    const W = new Int32Array(2);
    expect(packResiduals(R, 4, 4, W)).toBe(16);
    expect(Array.from(new Uint8Array(W.buffer, 0, 2))).toEqual([0xf1, 0x85]);
  });
});

describe('frame encoder API', () => {
  it('refuses bad parameters with a TypeError naming them', () => {
    expect(() => createFrameEncoder(19, 3, 80, true)).toThrow(/payloadBytes/);
    expect(() => createFrameEncoder(20, 0, 80, true)).toThrow(/samplesPerFrameMax/);
    expect(() => createFrameEncoder(20, 3, KEY_INTERVAL_MAX + 1, true)).toThrow(/keyIntervalSamples/);
    expect(() => createFrameEncoder(20, 3, 80, true).configure(300, 3)).toThrow(/payloadBytes/);
  });

  it('starts with a KEY, forceKey() makes the next sample a KEY, start() restarts the index', () => {
    const enc = createFrameEncoder(20, 3, 80, true);
    const first = enc.add(1, 2, 3, 4, 0, 0)!;
    expect(first[0]).toBe(0x10);
    expect(first[7]).toBe(FLAG_STREAM_START);
    expect(enc.nextIndex()).toBe(1);
    enc.add(1, 2, 3, 4, 0, 1);
    enc.forceKey();
    const d = enc.add(5, 6, 7, 8, 0, 2)!; // flushes the pending sample as a DELTA...
    expect(d[0]).toBe(0x11);
    const k = enc.poll()!; // ...then the KEY
    expect(k[0]).toBe(0x10);
    expect(k[1]).toBe(2);
    expect(enc.poll()).toBeNull();
    enc.start();
    expect(enc.nextIndex()).toBe(0);
    expect(enc.pendingSamples()).toBe(0);
    const k2 = enc.add(0, 0, 0, 0, 0, 3)!;
    expect([k2[0], k2[1], k2[7]]).toEqual([0x10, 0, FLAG_STREAM_START]);
  });

  it('configure() flushes pending samples before changing the payload', () => {
    const enc = createFrameEncoder(50, 8, 80, true);
    enc.add(1, 1, 1, 1, 0, 0);
    enc.add(2, 2, 2, 2, 0, 1);
    expect(enc.pendingSamples()).toBe(2);
    enc.configure(20, 3);
    const f = enc.poll()!;
    expect(f[0]).toBe(0x10);
    expect(f.length).toBeGreaterThan(20); // KEY with the second sample in its block (old payload 50)
    expect(enc.pendingSamples()).toBe(0);
    for (let i = 0; i < 30; i++) {
      let g = enc.add(i, i, i, i, 0, i);
      while (g) {
        expect(g.length).toBeLessThanOrEqual(20);
        g = enc.poll();
      }
    }
  });
});

describe('stream decoder error lines', () => {
  it('says what was wrong and what it means', () => {
    const dec = createStreamDecoder();
    dec.push(Uint8Array.from([0x31, 0, 0, 0]));
    expect(dec.lastError?.message).toMatch(/major 3.*speaks 1.*update/);
    dec.push(Uint8Array.from([0x11, 0, 0x28, 1, 2, 3, 4]));
    expect(dec.lastError?.code).toBe('chain-broken');
    expect(dec.lastError?.message).toMatch(/until the next KEY/);
    dec.push(new Uint8Array(10).fill(0x10));
    expect(dec.lastError?.message).toMatch(/10 bytes, needs at least 20/);
  });

  it('resetChain() discards DELTAs until the next KEY', () => {
    const enc = createFrameEncoder(20, 3, 80, true);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      let f = enc.add(i, i, i, i, 0, i);
      while (f) {
        frames.push(f);
        f = enc.poll();
      }
    }
    const dec = createStreamDecoder();
    expect(dec.push(frames[0]!)).not.toBeNull();
    dec.resetChain();
    expect(dec.push(frames[1]!)).toBeNull();
    expect(dec.lastError?.code).toBe('chain-broken');
  });
});
