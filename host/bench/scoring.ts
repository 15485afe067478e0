/**
 * Scoring speed:
 * - scoring.samples_per_s: ForceSamples per second through the whole live chain (live scorer:
 *   tripod shares, score, rolling summary, cue, streaming sway; plus the trial detector).
 * - scoring.trial_result_ms: time to produce the final result of a 60 s trial at 80 Hz (4800
 *   samples: window-averaging check, 10 Hz zero-lag filter, every sway metric incl. Welch and time
 *   to boundary, share statistics); median of 9 runs.
 */
import type { BenchModule } from './types.ts';
import type { ForceSample } from '../pipeline/types.ts';
import { createLiveScorer, createTrialDetector } from '../scoring/index.ts';
import { createSyntheticPerson } from '../sim/person.ts';

const FS = 80;

function personSamples(seconds: number): ForceSample[] {
  const p = createSyntheticPerson({ seed: 11, stepOnS: 0.2 });
  const out: ForceSample[] = [];
  for (let i = 0; i / FS <= seconds; i++) {
    const t = i / FS;
    const s = p.at(t);
    out.push({ index: i, t, hostTimeMs: 0, raw: [0, 0, 0, 0], forces: [0, 0, 0, 0], total: s.totalN, cop: s.cop, flags: 0 });
  }
  return out;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

export const bench: BenchModule = {
  name: 'scoring',
  async run(log) {
    const samples = personSamples(70);
    const bw = createSyntheticPerson({ seed: 11 }).bodyWeightN;

    // Live chain throughput: several passes over 70 s of samples.
    const passes = 20;
    let pushed = 0;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < passes; k++) {
      const live = createLiveScorer({ foot: 'right' });
      const trial = createTrialDetector({ foot: 'right', bodyWeightN: bw, durationS: 600 });
      for (const s of samples) {
        live.push(s);
        trial.push(s);
        pushed++;
      }
    }
    const liveS = Number(process.hrtime.bigint() - t0) / 1e9;
    const samplesPerS = Math.round(pushed / liveS);
    log(`live chain: ${pushed} samples in ${liveS.toFixed(3)} s`);

    // Final result of a 60 s trial.
    const times: number[] = [];
    for (let k = 0; k < 9; k++) {
      const trial = createTrialDetector({ foot: 'right', bodyWeightN: bw, durationS: 60 });
      let i = 0;
      let startT = NaN;
      for (; i < samples.length && Number.isNaN(startT); i++) {
        for (const e of trial.push(samples[i]!)) if (e.type === 'started') startT = e.t;
      }
      for (; i < samples.length && samples[i]!.t - startT < 59.99; i++) trial.push(samples[i]!);
      // The next samples cross 60 s: that push computes the result.
      const a = process.hrtime.bigint();
      let ended = false;
      for (; i < samples.length && !ended; i++) ended = trial.push(samples[i]!).some((e) => e.type === 'ended');
      times.push(Number(process.hrtime.bigint() - a) / 1e6);
      if (!ended) throw new Error('bench: the 60 s trial did not end');
    }
    const trialMs = Number(median(times).toFixed(2));
    log(`60 s trial result: median ${trialMs} ms over ${times.length} runs`);
    return { 'scoring.samples_per_s': samplesPerS, 'scoring.trial_result_ms': trialMs };
  },
};
