/**
 * Protocol bench: wire bytes per 4-cell sample (all headers included) for a realistic single-leg
 * signal at MTU 23 and 53 and for worst-case full-scale noise at MTU 23, plus encoder and decoder
 * throughput in Node. Figures: protocol.bytes_per_sample.{mtu23,mtu53,worst_mtu23},
 * protocol.encode_samples_per_s, protocol.decode_samples_per_s; the device cost estimate of the
 * encoder (firmware/emulator/token-cost.ts). Signals from host/sim/raw-counts.ts.
 * protocol.bytes_per_sample.bound_order{3,32,128}: the residual entropy a linear predictor of that
 * order fitted in hindsight leaves on the realistic signal, before any header; .noise_floor: the
 * entropy of the signal's HX711 noise alone, under which no coder of any kind goes
 * (host/sim/coding-bound.ts; SPEC 9.1).
 */
import { bytesPerSample, defaultSamplesPerFrame, encodeAll } from '../sim/frames.ts';
import { HX711_NOISE_RMS_COUNTS, noiseCounts, realisticCounts } from '../sim/raw-counts.ts';
import { noiseEntropyBytes, predictionBound } from '../sim/coding-bound.ts';
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
    const v12 = {
      mtu23: bytesPerSample(encodeAll(counts, 20, spf23, true, 2), n),
      mtu53: bytesPerSample(encodeAll(counts, 50, spf53, true, 2), n),
      worst: bytesPerSample(encodeAll(noise, 20, spf23, true, 2), n),
      worst53: bytesPerSample(encodeAll(noise, 50, spf53, true, 2), n),
    };
    const worst53 = bytesPerSample(encodeAll(noise, 50, spf53), n);
    log(`1.2 frames (KEY2/DELTA2, predictor order chosen per frame): MTU 23 ${v12.mtu23.toFixed(3)}, MTU 53 ${v12.mtu53.toFixed(3)} B/sample; full-scale noise ${v12.worst.toFixed(3)} / ${v12.worst53.toFixed(3)} (1.1: ${worst.toFixed(3)} / ${worst53.toFixed(3)})`);

    // What any coder over a linear predictor could reach on this signal (SPEC 9.1): residual entropy
    // with coefficients fitted in hindsight, before headers and KEYs; the 1.2 header alone adds
    // 3 bytes per frame (1.0 per sample at 3 samples per frame, 0.75 at 4).
    const bound3 = predictionBound(counts, 3);
    const bound32 = predictionBound(counts, 32);
    const bound128 = predictionBound(counts, 128);
    const floor = noiseEntropyBytes(HX711_NOISE_RMS_COUNTS);
    log(`order 128: ${bound128.bytesPerSample.toFixed(3)} B/sample (${bound128.residualRms.map((r) => r.toFixed(0)).join('/')} counts RMS); the noise alone (${HX711_NOISE_RMS_COUNTS} counts RMS per cell): ${floor.toFixed(3)}`);
    log(`coding bound (hindsight linear prediction, ideal entropy code, no headers): order 3 ${bound3.bytesPerSample.toFixed(3)} B/sample (residuals ${bound3.residualRms.map((r) => r.toFixed(0)).join('/')} counts RMS), order 32 ${bound32.bytesPerSample.toFixed(3)} (${bound32.residualRms.map((r) => r.toFixed(0)).join('/')}); plus 3-byte frame headers: ${(bound32.bytesPerSample + 3 / spf23).toFixed(2)} at ${spf23} samples/frame, ${(bound32.bytesPerSample + 3 / spf53).toFixed(2)} at ${spf53}`);

    // Throughput: encode then decode the same 5 minutes several times; best of 5 runs.
    // Throughput: the decoder writes into caller-owned typed arrays (decodeInto), as a host does:
    // nothing allocated per frame. Times are this process's CPU time, best of the runs (one core; on
    // this shared machine wall time mostly measures the other processes); wall time is logged too.
    const frames = encodeAll(counts, 20, spf23);
    const frames2 = encodeAll(counts, 20, spf23, true, 2);
    const outCounts = new Int32Array(4 * n);
    const outFlags = new Uint8Array(n);
    const cpuMs = (t: NodeJS.CpuUsage): number => (t.user + t.system) / 1000;
    const decodeRun = (list: Uint8Array[]): { cpu: number; wall: number } => {
      const dec = createStreamDecoder();
      const w0 = performance.now();
      const c0 = process.cpuUsage();
      let got = 0;
      for (const f of list) got += dec.decodeInto(f, outCounts, outFlags, got);
      const cpu = cpuMs(process.cpuUsage(c0));
      const wall = performance.now() - w0;
      if (got !== n) throw new Error(`protocol bench: decoder returned ${got} samples, expected ${n}`);
      return { cpu, wall };
    };
    let bestEnc = Infinity;
    let bestDec = Infinity;
    let bestDec2 = Infinity;
    let bestWall = Infinity;
    for (let run = 0; run < 20; run++) {
      const c0 = process.cpuUsage();
      if (run < 5) encodeAll(counts, 20, spf23);
      if (run < 5) bestEnc = Math.min(bestEnc, cpuMs(process.cpuUsage(c0)));
      const d = decodeRun(frames);
      bestDec = Math.min(bestDec, d.cpu);
      bestWall = Math.min(bestWall, d.wall);
      bestDec2 = Math.min(bestDec2, decodeRun(frames2).cpu);
    }
    for (let i = 0; i < 4 * n; i++) if (outCounts[i] !== counts[i]) throw new Error(`protocol bench: decoded count ${i} differs`);
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
    const decRate2 = n / (bestDec2 / 1000);
    log(`Node encode ${Math.round(encRate)} samples/s (best of 5), decode ${Math.round(decRate)} samples/s (MTU 23 frames, best of 20, CPU time; wall time ${Math.round(n / (bestWall / 1000))}), 1.2 frames ${Math.round(decRate2)} samples/s`);
    return {
      'protocol.bytes_per_sample.mtu23': round(mtu23, 3),
      'protocol.bytes_per_sample.mtu53': round(mtu53, 3),
      'protocol.bytes_per_sample.worst_mtu23': round(worst, 3),
      'protocol.encode_samples_per_s': Math.round(encRate),
      'protocol.decode_samples_per_s': Math.round(decRate),
      'protocol.decode_samples_per_s.v12': Math.round(decRate2),
      'protocol.bytes_per_sample.v12_mtu23': round(v12.mtu23, 3),
      'protocol.bytes_per_sample.v12_mtu53': round(v12.mtu53, 3),
      'protocol.bytes_per_sample.v12_worst_mtu23': round(v12.worst, 3),
      'protocol.bytes_per_sample.v12_worst_mtu53': round(v12.worst53, 3),
      'protocol.bytes_per_sample.worst_mtu53': round(worst53, 3),
      'protocol.bytes_per_sample.bound_order3': round(bound3.bytesPerSample, 3),
      'protocol.bytes_per_sample.bound_order32': round(bound32.bytesPerSample, 3),
      'protocol.bytes_per_sample.bound_order128': round(bound128.bytesPerSample, 3),
      'protocol.bytes_per_sample.noise_floor': round(floor, 3),
      ...device,
    };
  },
};
