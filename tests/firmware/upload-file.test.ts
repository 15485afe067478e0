/**
 * The file `tripod flash` uploads (firmware/dist/tripod.min.js: the built firmware in one function
 * scope with short names, firmware/build.ts minifyForUpload) runs like tripod.js: 60 virtual s at
 * 80 Hz over BLE with every sample exact and contiguous, the native read and encoder in use, the
 * commands answering, settings surviving a reboot, the "jit" JS paths too. The rest of
 * tests/firmware runs tripod.js; this file is what makes the uploaded program a tested one.
 */
import { describe, expect, it } from 'vitest';
import { functionLoads } from '../../firmware/emulator/index.ts';
import { CMD_GET_INFO, CMD_SET_NAME, CMD_SET_SAMPLE_RATE, CMD_START_STREAM, CMD_STOP_STREAM, CMD_GET_NAME } from '../../protocol/index.ts';
import { alignTruth, bleHost, boot, samplesOf, settingsStorage, uploadSource } from './harness.ts';

const LOADS = functionLoads((t) => [250 + 120 * Math.sin(2.5 * t), 200 + 100 * Math.sin(2.5 * t + 1), 180 + 40 * Math.sin(4 * t), 220]);

function streamExact(storage: Record<string, string>, seconds: number): { samples: number; nativeCalls: number } {
  const board = boot({ seed: 77, loads: LOADS, source: uploadSource(), storage });
  board.advance(1);
  const host = bleHost(board, 23);
  expect(host.command({ reqId: 1, code: CMD_START_STREAM }).status).toBe(0);
  board.advance(seconds);
  expect(host.command({ reqId: 2, code: CMD_STOP_STREAM }).status).toBe(0);
  board.advance(1);
  const samples = samplesOf(host.log);
  expect(samples.length).toBeGreaterThan(seconds * 80 * 0.95);
  expect(host.log.decoder.stats.rejected).toBe(0);
  expect(host.log.decoder.stats.lostSamples).toBe(0);
  samples.forEach((s, i) => expect(s.index).toBe(i));
  const truth = board.cellTruth();
  for (let c = 0; c < 4; c++) {
    const j0 = alignTruth(truth[c]!, samples, c);
    expect(j0).toBeGreaterThanOrEqual(0);
    expect(samples.filter((s, i) => s.counts[c] !== truth[c]![j0 + i]?.counts).length).toBe(0);
  }
  expect(board.timingViolations()).toEqual([]);
  return { samples: samples.length, nativeCalls: board.stats().nativeCalls };
}

describe('the upload file (tripod.min.js) in the emulator', () => {
  it('streams 60 virtual s at 80 Hz with every sample exact, through the native read and encoder', () => {
    const r = streamExact({}, 60);
    expect(r.nativeCalls).toBeGreaterThan(r.samples);
  }, 180_000); // 60 s of emulated board: 59 s of wall time at load 7, 73 s (timed out) at load 11

  it('streams the same with the "jit" JS paths (native: false)', () => {
    expect(streamExact(settingsStorage({ native: false }), 10).nativeCalls).toBe(0);
  });

  it('answers commands and keeps a setting across a reboot', () => {
    const board = boot({ seed: 78, loads: LOADS, source: uploadSource() });
    board.advance(1);
    let host = bleHost(board, 53);
    const info = host.command({ reqId: 1, code: CMD_GET_INFO }).info!;
    expect(info.samplesPerFrame).toBe(2);
    expect(host.command({ reqId: 2, code: CMD_SET_SAMPLE_RATE, sampleRateHz: 10 }).sampleRateHz).toBe(10);
    expect(host.command({ reqId: 3, code: CMD_SET_NAME, name: 'Tripod-Lab3' }).status).toBe(0);
    host.link.disconnect();
    board.advance(0.2);
    board.reboot();
    board.advance(1);
    host = bleHost(board, 53);
    expect(host.command({ reqId: 4, code: CMD_GET_NAME }).name).toBe('Tripod-Lab3');
    expect(host.command({ reqId: 5, code: CMD_GET_INFO }).info!.sampleRateHz).toBe(10);
  });
});
