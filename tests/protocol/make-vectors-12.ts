/**
 * The sample-frame vectors added with protocol 1.2 (make-vectors.ts calls this): the 1.2 frames
 * KEY2/DELTA2 and every decision SPEC.md 4.6-4.8 settled (issue 16's numbered points), each as a
 * frozen frame sequence and what the decoder reports. Not a test file.
 */
import type { EncoderSpec as Spec, Sample } from './make-vectors.ts';

type Add = (name: string, covers: string[], meaning: string, frames: string[], encoder?: Spec) => void;
type Enc = (e: Partial<Spec> & { samples: Sample[] }) => Spec;

export function sampleVectors12(add: Add, enc: Enc, base: Sample[], good: string[], encode: (e: Spec) => string[]): void {
  const k0 = good[0] as string;
  const d1 = good[1] as string;
  const d2 = good[2] as string;
  const v2 = (e: Partial<Spec> & { samples: Sample[] }): Spec => enc({ format: 2, ...e });

  // --- 1.2 frames -----------------------------------------------------------------------------
  const chain = v2({ samples: base });
  add('v12-key2-then-delta2', ['KEY2', 'DELTA2'], 'Protocol 1.2 frames of the key-then-deltas samples at payload 20, 3 per frame: KEY2 (sequence 0, u16 time, stream parity 0) then DELTA2 frames with sequence 1, 2, ... and the predictor order each frame chose.', encode(chain), chain);

  const orders: Sample[] = [];
  for (let i = 0; i < 4; i++) orders.push([5000 + (i % 2 ? 3 : -3), 6000, 7000, 8000, 0, 12.5 * i]); // flat + noise: first order
  for (let i = 4; i < 7; i++) orders.push([5000 + 1000 * i, 6000 + 700 * i, 7000 - 300 * i, 8000, 0, 12.5 * i]); // ramp: second order
  for (let i = 7; i < 13; i++) orders.push([5000 + 40 * i * i, 6000 - 25 * i * i, 7000 + 9 * i * i, 8000 + i * i, 0, 12.5 * i]); // parabola: third order wins once it has the history
  const ord = v2({ samples: orders, samplesPerFrame: 3 });
  add('v12-predictor-orders', ['DELTA2'], 'A flat noisy stretch, a ramp and a parabola: the encoder picks first, second and third order per frame (mode bits 5-6 = order - 1), whichever gives the narrowest residuals; ties go to the lower order.', encode(ord), ord);

  const blk = v2({ samples: base, payloadBytes: 50, samplesPerFrame: 8 });
  add('v12-key2-with-block', ['KEY2'], 'Payload 50: the KEY2 carries a residual block (1.2 mode byte) after its 20 fixed bytes.', encode(blk), blk);

  const flagged: Sample[] = base.slice(0, 4).map((s, i) => [s[0], s[1], s[2], s[3], i === 2 ? 0x14 : 0, s[5]]);
  const fl = v2({ samples: flagged });
  add('v12-delta2-flag-bytes', ['DELTA2'], 'Sample 2 has flags 0x14: its DELTA2 sets mode bit 7 and carries one flag byte per sample.', encode(fl), fl);

  // The counterexample: the device skips 511 samples, the 1-sample KEY after the skip is lost.
  const skipSamples: Sample[] = [];
  for (let i = 0; i < 9; i++) skipSamples.push([1000 + i, 2000 + i, 3000 + i, 4000 + i, 0, 1000 + 12.5 * i]);
  const skip1 = enc({ samples: skipSamples, skips: [[4, 511]], keyInterval: 4 });
  const f1 = encode(skip1);
  add('v11-skip-511-lost-key', ['KEY', 'DELTA'], 'Protocol 1.1 frames: the device skipped 511 samples before sample 4 and the KEY after the skip (index 515) is lost. The next DELTA starts at index 516 = 4 mod 512, what the host expects: it decodes silently wrong at index 4 with no gap. The known hole of 1.1 frames (SPEC.md 4.6), closed by 1.2 frames.', f1.filter((_, i) => i !== keyAfterSkip(f1)));
  const skip2 = v2({ samples: skipSamples, skips: [[4, 511]], keyInterval: 4 });
  const f2 = encode(skip2);
  add('v12-skip-511-lost-key2', ['KEY2', 'DELTA2'], 'The same in 1.2 frames: the DELTA2 after the lost KEY2 has sequence 3 where 2 was due: frames-lost, chain broken; the next KEY2 reports the 511 + 5 missing samples and 1 lost frame... exactly as counted.', f2.filter((_, i) => i !== keyAfterSkip(f2)));

  // Frame lost right before a new stream: only the sequence number can tell.
  const twoStreams = v2({ samples: base.slice(0, 4) });
  const s1 = encode(twoStreams);
  const s2 = encodeRestart(v2({ samples: base.slice(0, 4), startIndex: 40 }), s1.length);
  add('v12-lost-before-stream-start', ['KEY2', 'DELTA2'], 'A stream of 4 samples (KEY2 + DELTA2), its last frame lost, then a new stream (KEY2 with FLAG_STREAM_START, index 40): the new KEY2\'s sequence skips one, so framesLost = 1 although indices restart.', [...s1.slice(0, -1), ...s2]);

  const dup = encode(chain);
  add('v12-duplicate-and-late-delta2', ['DELTA2'], 'A DELTA2 repeated, and an older one arriving late: both have a sequence number not after the last frame used: duplicate, dropped; the chain stays intact and the next DELTA2 decodes.', [dup[0]!, dup[1]!, dup[1]!, dup[2]!, dup[1]!, ...dup.slice(3)]);

  const big = v2({ samples: skipSamples, skips: [[4, 0x800000]], keyInterval: 3 });
  const fb = encode(big);
  add('v12-lost-stream-start-parity', ['KEY2'], 'The device dropped 2^23 samples (a new stream: FLAG_STREAM_START, parity bit 7 toggles) and that KEY2 is lost: the next KEY2 has the other parity, so the decoder reports a stream start (the index cannot be compared) instead of a wrong gap.', fb.filter((_, i) => i !== keyAfterSkip(fb)));

  const slow: Sample[] = [];
  for (let i = 0; i < 6; i++) slow.push([1000, 2000, 3000, 4000, 0, 65500 + 12.5 * i + (i >= 3 ? 100_000 : 0)]);
  const tw = v2({ samples: slow, keyInterval: 2, skips: [[3, 8000]] });
  add('v12-time-u16', ['KEY2'], 'KEY2 time is u16 ms: times 65500.. cross 65536 (unwrapped forward), then 8000 samples (100 s) are dropped: the time difference mod 65536 is resolved with the index jump times the measured period (12.5 ms).', encode(tw), tw);

  // --- settled points, 1.1 frames -------------------------------------------------------------
  add('join-mid-stream', ['KEY', 'DELTA'], 'Point 2: the first KEY a decoder sees has no FLAG_STREAM_START (the host joined a running stream): streamStart false, gapBefore 0, its index is where counting starts.', [k0.slice(0, 14) + '00' + k0.slice(16), d1]);
  const badWidth = d2.slice(0, 4) + '19' + d2.slice(6);
  add('error-precedence', ['DELTA'], 'Point 3: structure is checked before the chain: after a lost DELTA (chain broken by index-mismatch) a DELTA with width 25 is malformed, not chain-broken.', [k0, d2, badWidth]);
  add('major-2-keeps-chain', ['KEY', 'DELTA'], 'Point 4: a frame of another major (0x21...) is counted unsupported-major and leaves the chain alone: the next DELTA decodes.', [k0, '21' + d1.slice(2), d1]);
  const long: Sample[] = [];
  for (let i = 0; i < 130; i++) long.push([1000 + i, 2000, 3000, 4000, 0, 12.5 * i]);
  const k128 = enc({ samples: long, keyInterval: 128, payloadBytes: 50, samplesPerFrame: 8 });
  const fk = encode(k128);
  add('key-interval-128', ['KEY', 'DELTA'], 'Point 5: with keyInterval 128 a chain holds the KEY and 127 more samples (indices 0..127); the next KEY is at 128.', fk, k128);
  const late = encode(enc({ samples: long.slice(127, 131), startIndex: 127 }));
  const key128 = fk.findIndex((h) => h.startsWith('1080'));
  add('error-key-overdue', ['DELTA'], 'Point 5: the chain of KEY 0 is complete up to index 127, the KEY at 128 is lost and a DELTA starting at index 128 arrives (its 9 index bits match): it would put the chain past 128 samples after its KEY: key-overdue.', [...fk.slice(0, key128), late[1]!]);
  const restart = encodeRestart(enc({ samples: base.slice(0, 2), startIndex: 7 }), 0);
  add('stream-restart-time', ['KEY'], 'Point 6: deviceTimeMs is unwrapped within a stream and restarts at the raw value at a FLAG_STREAM_START KEY.', [good[0]!, d1, ...restart]);
  add('error-overflow-flag-in-delta', ['DELTA'], 'Point 11: a DELTA whose flag byte carries FLAG_OVERFLOW (only a KEY\'s first sample may): malformed, chain broken.', [k0, overflowInDelta(d1)]);
  add('control-on-data-path', ['KEY', 'DELTA'], 'Point 11: a RESPONSE (0x13) on the data path is not a sample frame: unknown-kind, skipped, chain unchanged; the next DELTA decodes.', [k0, '13010100', d1]);

  function encodeRestart(e: Spec, seqBase: number): string[] {
    // The frames of a second stream on the same encoder: sequence numbers continue from seqBase.
    const frames = encode(e);
    if (e.format !== 2) return frames;
    return frames.map((h, i) => h.slice(0, 2) + ((seqBase + i) & 0xff).toString(16).padStart(2, '0') + h.slice(4)).map((h) => (h.startsWith('15') ? h.slice(0, 14) + (parseInt(h.slice(14, 16), 16) | 0x80).toString(16) + h.slice(16) : h));
  }
}

/** Position of the first KEY / KEY2 after frame 0 that follows a skip (FLAG_OVERFLOW or FLAG_STREAM_START). */
function keyAfterSkip(frames: string[]): number {
  return frames.findIndex((h, i) => i > 0 && (h.startsWith('10') || h.startsWith('15')) && (parseInt(h.slice(14, 16), 16) & 0x60) !== 0);
}

/** d1 (a 3-sample DELTA at width 8, no flags) rewritten with flag bytes, sample 1 carrying FLAG_OVERFLOW. */
function overflowInDelta(d1: string): string {
  const mode = parseInt(d1.slice(4, 6), 16);
  return d1.slice(0, 4) + (mode | 0x40).toString(16).padStart(2, '0') + '002000' + d1.slice(6);
}
