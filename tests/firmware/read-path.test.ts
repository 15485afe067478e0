/**
 * The HX711 read paths of the built firmware: the native read (firmware/native/hx711.c through
 * E.nativeCall, the default: one clock per chip or one shared clock, all chips in one bit-banged
 * pass) and the "jit" JS reads (firmware/src/hx711.ts, settings `native: false` or an interpreter
 * without E.nativeCall): one clock per chip read by software SPI (MDBT42Q default, custom nine-pin
 * maps) and one shared clock (Puck.js, custom six-pin maps). Every path must decode every cell
 * exactly to what the emulator's HX711 models latched (every sample), with no timing violation
 * (incl. the datasheet's 0.1 us DOUT settling and 0.2 us minimum clock phases); the SPI path costs
 * 4 SPI.send + 4 digitalPulse per sample set, the native path no pin API call at all.
 */
import { describe, expect, it } from 'vitest';
import { constantLoads } from '../../firmware/emulator/index.ts';
import { CMD_START_STREAM, UUID_SOFTWARE_REVISION } from '../../protocol/index.ts';
import { alignTruth, bleHost, boot, samplesOf, settingsStorage } from './harness.ts';

const LOADS = constantLoads([120, 80, 200, 150]);
const settings = (pins: unknown, native = true): Record<string, string> => settingsStorage({ pins, native });
/** The "jit" JS read paths: settings with native false. */
const jsOnly = settings(null, false);

function streamAndCheck(board: ReturnType<typeof boot>): { sets: number; calls: Record<string, number>; software: string } {
  board.advance(0.5);
  const host = bleHost(board, 53);
  const software = Buffer.from(host.link.read(UUID_SOFTWARE_REVISION)).toString();
  host.command({ reqId: 1, code: CMD_START_STREAM });
  board.advance(1);
  const before = board.stats();
  board.advance(2);
  const after = board.stats();
  const samples = samplesOf(host.log);
  expect(samples.length).toBeGreaterThan(200);
  const truth = board.cellTruth();
  for (let c = 0; c < 4; c++) {
    const j0 = alignTruth(truth[c]!, samples, c);
    expect(j0).toBeGreaterThanOrEqual(0);
    const wrong = samples.filter((s, i) => s.counts[c] !== truth[c]![j0 + i]?.counts).length;
    expect(wrong, `cell ${c}: samples differing from the HX711 model's words`).toBe(0);
  }
  expect(board.timingViolations()).toEqual([]);
  expect(after.hx711.every((h) => h.overlongReads === 0 && h.highOverT3 === 0 && h.midReadPowerDowns === 0)).toBe(true);
  const sets = after.hx711[0]!.readsCompleted - before.hx711[0]!.readsCompleted;
  const calls: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.apiCalls)) calls[k] = (v - (before.apiCalls[k] ?? 0)) / sets;
  return { sets, calls, software };
}

/** The native read: no pin API call, one native call per poll (about two per set: one not-ready poll, one read) plus the encoder's. */
function expectNative({ calls, software }: { calls: Record<string, number>; software: string }): void {
  expect(software).toBe('native');
  for (const k of ['SPI.send', 'digitalPulse', 'digitalRead', 'digitalWrite']) expect(calls[k] ?? 0, k).toBe(0);
  expect(calls['E.nativeCall()']).toBeGreaterThan(1);
  expect(calls['E.nativeCall()']).toBeLessThan(3);
}

describe('HX711 read paths: native (default)', () => {
  it('MDBT42Q (one clock per chip): every set read by native code, exact counts', () => {
    const { sets, calls, software } = streamAndCheck(boot({ seed: 31, loads: LOADS }));
    expect(sets).toBeGreaterThan(150);
    expectNative({ calls, software });
  });

  it('Puck.js (one shared clock): every set read by native code, exact counts', () => {
    expectNative(streamAndCheck(boot({ seed: 32, loads: LOADS, board: 'puckjs' })));
  });

  it('custom nine-pin and six-pin maps from tripod.json', () => {
    const w9 = { sck: [3, 4, 5, 6] as [number, number, number, number], rate: 7, dout: [11, 12, 13, 20] as [number, number, number, number] };
    expectNative(streamAndCheck(boot({ seed: 33, loads: LOADS, wiring: w9, storage: settings({ sck: [3, 4, 5, 6], rate: 7, dout: [11, 12, 13, 20] }) })));
    const w6 = { sck: 3, rate: 7, dout: [11, 12, 13, 20] as [number, number, number, number] };
    expectNative(streamAndCheck(boot({ seed: 34, loads: LOADS, wiring: w6, storage: settings({ sck: 3, rate: 7, dout: [11, 12, 13, 20] }) })));
  });
});

describe('HX711 read paths: "jit" JS (native: false)', () => {
  it('MDBT42Q (one clock per chip, D11..D14): software SPI, 4 SPI.send + 4 digitalPulse per set, exact counts', () => {
    const { sets, calls, software } = streamAndCheck(boot({ seed: 21, loads: LOADS, storage: jsOnly }));
    expect(software).toBe('jit-js');
    expect(sets).toBeGreaterThan(150);
    expect(calls['SPI.send']).toBeCloseTo(4, 5);
    expect(calls.digitalPulse).toBeCloseTo(4, 5);
  });

  it('Puck.js (one shared clock, D28): 25 digitalPulse + 24 digitalRead per set, exact counts', () => {
    const { calls } = streamAndCheck(boot({ seed: 22, loads: LOADS, board: 'puckjs', storage: jsOnly }));
    expect(calls['SPI.send'] ?? 0).toBe(0);
    expect(calls.digitalPulse).toBeCloseTo(25, 5);
    expect(calls.digitalRead).toBeGreaterThanOrEqual(25);
  });

  it('custom nine-pin map (clocks 3,4,5,6) from tripod.json reads by SPI on those pins', () => {
    const wiring = { sck: [3, 4, 5, 6] as [number, number, number, number], rate: 7, dout: [11, 12, 13, 20] as [number, number, number, number] };
    const { calls } = streamAndCheck(boot({ seed: 23, loads: LOADS, wiring, storage: settings({ sck: [3, 4, 5, 6], rate: 7, dout: [11, 12, 13, 20] }, false) }));
    expect(calls['SPI.send']).toBeCloseTo(4, 5);
  });

  it('custom six-pin map on an MDBT42Q falls back to the shared-clock read', () => {
    const wiring = { sck: 3, rate: 7, dout: [11, 12, 13, 20] as [number, number, number, number] };
    const { calls } = streamAndCheck(boot({ seed: 24, loads: LOADS, wiring, storage: settings({ sck: 3, rate: 7, dout: [11, 12, 13, 20] }, false) }));
    expect(calls['SPI.send'] ?? 0).toBe(0);
    expect(calls.digitalPulse).toBeCloseTo(25, 5);
  });

  it('a clock list with a repeated pin or the wrong length is rejected: the board map (and the default native read) is used', () => {
    // The whole file is refused (defaults, native read included), so the default D11..D14 wiring reads.
    const board = boot({ seed: 25, loads: LOADS, storage: settings({ sck: [3, 3, 5, 6], rate: 7, dout: [11, 12, 13, 20] }, false) });
    expectNative(streamAndCheck(board));
    const b2 = boot({ seed: 26, loads: LOADS, storage: settings({ sck: [3, 4, 5], rate: 7, dout: [11, 12, 13, 20] }, false) });
    expectNative(streamAndCheck(b2));
  });
});
