/**
 * Protocol bench: wire bytes per 4-cell sample (all headers included) for a realistic single-leg
 * signal at MTU 23 and 53 and for worst-case full-scale noise at MTU 23, plus encoder and decoder
 * throughput in Node. Figures: protocol.bytes_per_sample.{mtu23,mtu53,worst_mtu23},
 * protocol.encode_samples_per_s, protocol.decode_samples_per_s; the device cost estimate of the
 * encoder (firmware/emulator/token-cost.ts). Signals from host/sim/raw-counts.ts.
 */
import { bytesPerSample, defaultSamplesPerFrame, encodeAll } from '../sim/frames.ts';
import { noiseCounts, realisticCounts } from '../sim/raw-counts.ts';
import { createStreamDecoder } from '../../protocol/index.ts';
import { deviceCostPerSample, deviceTokensPerSample, tokensToMs } from '../../firmware/emulator/token-cost.ts';
import type { BenchModule, Figures } from './types.ts';

function round(v: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(v * m) / m;
}

export const bench: BenchModule = {
  name: 'protocol',
  async run(log): Promise<Figures> {
    const rate = 80;
    const n = rate * 300; // five minutes
    const { counts, summary } = realisticCounts(n, rate, 2);
    log(`realistic signal: ${n} samples at ${rate} Hz, force fluctuation ${summary.forceRmsPercent.toFixed(1)} % RMS, CoP 30 mm/s`);
    const spf23 = defaultSamplesPerFrame(20);
    const spf53 = defaultSamplesPerFrame(50);
    const mtu23 = bytesPerSample(encodeAll(counts, 20, spf23), n);
    const mtu53 = bytesPerSample(encodeAll(counts, 50, spf53), n);
    const first23 = bytesPerSample(encodeAll(counts, 20, spf23, false), n);
    const noise = noiseCounts(n, 3);
    const worst = bytesPerSample(encodeAll(noise, 20, spf23), n);
    log(`MTU 23 (${spf23} samples/frame): ${mtu23.toFixed(3)} B/sample (first-order predictor: ${first23.toFixed(3)})`);
    log(`MTU 53 (${spf53} samples/frame): ${mtu53.toFixed(3)} B/sample; full-scale noise at MTU 23: ${worst.toFixed(3)} B/sample`);

    // Throughput: encode then decode the same 5 minutes several times; best of 5 runs.
    const frames = encodeAll(counts, 20, spf23);
    let bestEnc = Infinity;
    let bestDec = Infinity;
    for (let run = 0; run < 5; run++) {
      const t0 = performance.now();
      encodeAll(counts, 20, spf23);
      const t1 = performance.now();
      const dec = createStreamDecoder();
      let got = 0;
      for (const f of frames) {
        const b = dec.push(f);
        if (b) got += b.count;
      }
      const t2 = performance.now();
      if (got !== n) throw new Error(`protocol bench: decoder returned ${got} samples, expected ${n}`);
      bestEnc = Math.min(bestEnc, t1 - t0);
      bestDec = Math.min(bestDec, t2 - t1);
    }
    // Device cost proxy: executed source tokens per sample of the ES5 encoder (see the note above).
    const device: Figures = {};
    for (const [label, payload] of [
      ['mtu23', 20],
      ['mtu53', 50],
    ] as const) {
      const tokens = deviceTokensPerSample(counts.subarray(0, 4 * 8000), payload, defaultSamplesPerFrame(payload));
      const [lo, hi] = tokensToMs(tokens);
      device[`protocol.device_tokens_per_sample.${label}`] = Math.round(tokens);
      device[`protocol.device_ms_per_sample.${label}_low`] = round(lo, 2);
      device[`protocol.device_ms_per_sample.${label}_high`] = round(hi, 2);
      log(`device cost estimate at payload ${payload}: ${Math.round(tokens)} executed tokens per sample, about ${lo.toFixed(1)}-${hi.toFixed(1)} ms on the nRF52 in plain interpreted JS`);
      const c = deviceCostPerSample(counts.subarray(0, 4 * 8000), payload, defaultSamplesPerFrame(payload));
      device[`protocol.device_weighted_tokens_per_sample.${label}`] = Math.round(c.weightedTokens);
      device[`protocol.device_calls_per_sample.${label}`] = round(c.calls, 2);
      log(`  of which ${Math.round(c.jitTokens)} in "jit" functions: ${Math.round(c.weightedTokens)} interpreted-equivalent tokens, ${c.calls.toFixed(2)} JS calls and ${c.frames.toFixed(3)} frames per sample`);
    }

    const encRate = n / (bestEnc / 1000);
    const decRate = n / (bestDec / 1000);
    log(`Node encode ${Math.round(encRate)} samples/s, decode ${Math.round(decRate)} samples/s (MTU 23 frames, best of 5)`);
    return {
      'protocol.bytes_per_sample.mtu23': round(mtu23, 3),
      'protocol.bytes_per_sample.mtu53': round(mtu53, 3),
      'protocol.bytes_per_sample.worst_mtu23': round(worst, 3),
      'protocol.encode_samples_per_s': Math.round(encRate),
      'protocol.decode_samples_per_s': Math.round(decRate),
      ...device,
    };
  },
};
