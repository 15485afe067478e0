/**
 * SPEC.md 4.6 "Time": one hour at 80 Hz from an HX711 running 3 % fast, read with up to 3 ms of
 * jitter, device clock starting just below the 2^24 ms wrap. Interpolating sample times between the
 * KEY stamps (the rule in the spec) puts every sample within one sample period of its true time.
 */
import { describe, expect, it } from 'vitest';
import { createFrameEncoder, createStreamDecoder } from '../../protocol/index.ts';
import { mulberry32 } from '../../host/sim/random.ts';

describe('device time base', () => {
  it('reconstructs every sample time within one period over an hour', () => {
    const rate = 80 * 1.03; // real HX711 rate, Hz
    const nominalPeriodMs = 1000 / 80;
    const n = Math.round(3600 * rate);
    const t0 = 0x1000000 - 60_000; // device ms, wraps after one minute
    const rnd = mulberry32(42);
    const trueMs = new Float64Array(n);
    const enc = createFrameEncoder(20, 3, 80, true);
    const dec = createStreamDecoder();
    const keys: Array<[number, number]> = []; // [index, unwrapped device ms]
    const take = (f: Uint8Array | null): void => {
      while (f) {
        const b = dec.push(f)!;
        if (b.key) keys.push([b.firstIndex, b.deviceTimeMs!]);
        f = enc.poll();
      }
    };
    for (let i = 0; i < n; i++) {
      trueMs[i] = t0 + (i * 1000) / rate;
      const stamp = trueMs[i]! + 3 * rnd(); // read a little after the conversion, device clock in ms
      take(enc.add(i & 0xffff, 0, 0, 0, 0, stamp));
    }
    take(enc.flush());
    expect(dec.stats.samples).toBe(n);
    expect(keys.length).toBeGreaterThan(3600);
    let worst = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      while (k + 2 < keys.length && keys[k + 1]![0] <= i) k++;
      const [ia, ta] = keys[k]!;
      const [ib, tb] = keys[k + 1] ?? keys[k]!;
      const t = ib === ia ? ta : ta + ((i - ia) * (tb - ta)) / (ib - ia);
      worst = Math.max(worst, Math.abs(t - trueMs[i]!));
    }
    expect(worst).toBeLessThan(nominalPeriodMs); // measured: about 3 ms (the read jitter)
    expect(worst).toBeGreaterThan(0.5); // the jitter is really there
  });
});
