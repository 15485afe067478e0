/**
 * The built firmware in the emulator for 10 virtual minutes at 80 Hz over BLE (MTU 23, the
 * protocol's default 20-byte payload) with a known load pattern and seeded noise:
 * every sample arrives (contiguous indices, nothing rejected or lost), the raw counts equal
 * the words the emulated HX711s shifted out (bit for bit, every cell, every sample), and
 * sample times reconstructed from the KEY frames' device time are within one sample period
 * of the conversions the emulator made.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { functionLoads, type EmulatedBoard } from '../../firmware/emulator/index.ts';
import { CMD_START_STREAM, CMD_STOP_STREAM } from '../../protocol/index.ts';
import { alignTruth, bleHost, boot, samplesOf, type Host } from './harness.ts';

const MINUTES = 10;
const PERIOD_S = 1 / 80;

/** Four cells, each a slow sine around a different load, N (a person shifting on the plate). */
const LOADS = functionLoads((t) => [
  250 + 120 * Math.sin(2 * Math.PI * 0.4 * t),
  200 + 100 * Math.sin(2 * Math.PI * 0.4 * t + 1),
  180 + 90 * Math.sin(2 * Math.PI * 0.7 * t + 2),
  220 + 60 * Math.sin(2 * Math.PI * 1.1 * t + 3),
]);

let board: EmulatedBoard;
let host: Host;
let samples: ReturnType<typeof samplesOf>;
let streamStartS = 0;
let streamStopS = 0;

beforeAll(() => {
  board = boot({ seed: 20260, loads: LOADS });
  board.advance(1);
  host = bleHost(board, 23);
  expect(host.command({ reqId: 1, code: CMD_START_STREAM }).status).toBe(0);
  streamStartS = board.now();
  for (let s = 0; s < MINUTES * 60; s += 10) board.advance(10);
  streamStopS = board.now();
  expect(host.command({ reqId: 2, code: CMD_STOP_STREAM }).status).toBe(0);
  board.advance(2);
  samples = samplesOf(host.log);
}, 600_000);

describe(`firmware streams ${MINUTES} virtual minutes at 80 Hz over BLE`, () => {
  it('delivers every sample: contiguous indices from 0, no frame rejected, nothing lost', () => {
    const st = host.log.decoder.stats;
    expect(st.rejected).toBe(0);
    expect(st.lostSamples).toBe(0);
    expect(st.streamStarts).toBe(1);
    expect(host.log.badControl).toBe(0);
    for (let i = 0; i < samples.length; i++) {
      if (samples[i]!.index !== i) throw new Error(`sample ${i} has index ${samples[i]!.index}`);
    }
    // The rate is the slowest chip's (oscillators +-3 %): at least 77.6 Hz over the stream.
    const seconds = streamStopS - streamStartS;
    expect(samples.length).toBeGreaterThan(seconds * 80 * 0.97 - 10);
    expect(samples.length).toBeLessThan(seconds * 80 * 1.03 + 10);
    expect(host.log.events.filter((e) => e.code === 3)).toEqual([]);
  });

  it('flags nothing on four healthy cells', () => {
    const flagged = samples.filter((s, i) => (i === 0 ? s.flags !== 0x40 : s.flags !== 0));
    expect(flagged.slice(0, 5)).toEqual([]);
    expect(host.log.events.filter((e) => e.code === 2)).toEqual([]);
  });

  it('carries the exact counts each HX711 shifted out, for every cell and sample', () => {
    const truth = board.cellTruth();
    for (let c = 0; c < 4; c++) {
      const words = truth[c]!;
      const j0 = alignTruth(words, samples, c);
      expect(j0, `cell ${c}: first samples not found among the HX711's words`).toBeGreaterThanOrEqual(0);
      let mismatches = 0;
      for (let i = 0; i < samples.length; i++) {
        const w = words[j0 + i];
        if (!w || w.counts !== samples[i]!.counts[c]) mismatches++;
      }
      expect(mismatches, `cell ${c}`).toBe(0);
    }
  });

  it('reconstructs each sample time from KEY device times within one sample period', () => {
    const keys = host.log.blocks.filter((b) => b.key && b.deviceTimeMs !== null);
    expect(keys.length).toBeGreaterThan(MINUTES * 60 * 0.9);
    const truth = board.cellTruth();
    const j0s = [0, 1, 2, 3].map((c) => alignTruth(truth[c]!, samples, c));
    let worst = 0;
    let k = 0;
    for (let i = 0; i < samples.length; i++) {
      while (k + 2 < keys.length && keys[k + 1]!.firstIndex <= i) k++;
      const a = keys[k]!;
      const b = keys[k + 1] ?? keys[k - 1]!;
      const slope = (b.deviceTimeMs! - a.deviceTimeMs!) / (b.firstIndex - a.firstIndex);
      const tMs = a.deviceTimeMs! + (i - a.firstIndex) * slope;
      for (let c = 0; c < 4; c++) {
        const conv = truth[c]![j0s[c]! + i]!.t;
        worst = Math.max(worst, Math.abs(tMs / 1000 - conv));
      }
    }
    expect(worst).toBeLessThan(PERIOD_S);
  });

  it('never held an HX711 clock high long enough to power it down mid-read', () => {
    expect(board.timingViolations()).toEqual([]);
    for (const h of board.stats().hx711) {
      expect(h.midReadPowerDowns).toBe(0);
      expect(h.overlongReads).toBe(0);
      expect(h.maxReadHighS).toBeLessThan(50e-6);
    }
    expect(board.stats().uncaughtErrors).toBe(0);
    expect(board.jitErrors()).toEqual([]);
  });

  it('never overfilled the radio queue (pacing) and kept the device busy under 60 %', () => {
    const st = board.stats();
    expect(st.ble.notificationsDropped).toBe(0);
    expect(st.ble.notificationsUnsubscribed).toBe(0);
    expect(st.cpuSeconds / st.virtualSeconds).toBeLessThan(0.6);
  });
});
