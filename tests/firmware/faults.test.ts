/**
 * Faults, in the emulator with the built firmware: a cell unplugged mid-stream (three ways), a
 * transmit path that cannot keep up (exact overflow accounting), a central that imposes a slow
 * connection interval (silent radio drops, visible as index gaps), corrupt flash at boot, and a
 * plain-JS HX711 read that the emulator catches holding the clock high too long. The unplugged-cell
 * tests run on the native read with one clock per chip and with a shared clock, and on the "jit" JS
 * read; the transmit tests on the native and the JS streamer.
 */
import * as acorn from 'acorn';
import { describe, expect, it } from 'vitest';
import { visit, type AnyNode } from '../../firmware/ast.ts';
import { constantLoads, EmulatorFault } from '../../firmware/emulator/index.ts';
import {
  CMD_GET_CALIBRATION,
  CMD_GET_INFO,
  CMD_SET_FRAME_SAMPLES,
  CMD_START_STREAM,
  CMD_STOP_STREAM,
  EVT_CELL_FAULT,
  EVT_OVERFLOW,
  FAULT_NOT_READY,
  FAULT_RECOVERED,
  FAULT_SATURATED,
  FAULT_STUCK,
  FLAG_OVERFLOW,
  FLAG_SATURATED,
  UUID_CONTROL,
  encodeCommand,
  EVT_STORAGE_FAULT,
} from '../../protocol/index.ts';
import { alignTruth, bleHost, boot, firmwareSource, samplesOf, settingsStorage } from './harness.ts';

const LOADS = constantLoads([150, 250, 200, 300]);

function expectContiguous(samples: Array<{ index: number }>): void {
  for (let i = 0; i < samples.length; i++) if (samples[i]!.index !== i) throw new Error(`sample ${i} has index ${samples[i]!.index}`);
}

/** The read paths the fault tests run on: the native read (default) on both wirings, and the "jit" JS read. */
const PATHS = [
  { name: 'native read, one clock per chip (MDBT42Q)', opts: {} },
  { name: 'native read, shared clock (Puck.js)', opts: { board: 'puckjs' as const } },
  {
    name: '"jit" JS read (native: false)',
    opts: { storage: settingsStorage({ native: false }) },
  },
];
type PathOpts = (typeof PATHS)[number]['opts'];

/** Streams, unplugs `cell` in `mode` for 5 s, replugs, streams 3 s more. */
function unplugRun(cell: number, mode: 'high' | 'low' | 'bridge', path: PathOpts) {
  const board = boot({ seed: 31 + cell, loads: LOADS, ...path });
  board.advance(0.5);
  const host = bleHost(board, 53);
  host.command({ reqId: 1, code: CMD_START_STREAM });
  board.advance(3);
  const unplugAt = samplesOf(host.log).length;
  board.setCell(cell, { unplugged: mode });
  board.advance(5);
  const replugAt = samplesOf(host.log).length;
  board.setCell(cell, { unplugged: false });
  board.advance(3);
  host.command({ reqId: 2, code: CMD_STOP_STREAM });
  board.advance(1);
  return { board, host, samples: samplesOf(host.log), unplugAt, replugAt };
}

describe.each(PATHS)('a cell unplugged mid-stream is flagged and does not stall the other three: $name', ({ opts }) => {
  it("DOUT stuck high (module gone): NOT_READY fault, stale flags, others exact and on time, recovery", () => {
    const { board, host, samples, unplugAt, replugAt } = unplugRun(2, 'high', opts);
    expectContiguous(samples);
    expect(host.log.decoder.stats.lostSamples).toBe(0);
    const during = samples.slice(unplugAt + 30, replugAt);
    expect(during.length).toBeGreaterThan(5 * 80 * 0.8);
    for (const s of during) expect(s.flags & 0x0f).toBe(0x04);
    const faults = host.log.events.filter((e) => e.code === EVT_CELL_FAULT && e.cell === 2).map((e) => e.fault);
    expect(faults).toEqual([FAULT_NOT_READY, FAULT_RECOVERED]);
    const after = samples.slice(replugAt + 40);
    expect(after.length).toBeGreaterThan(2 * 80 * 0.9);
    for (const s of after) expect(s.flags).toBe(0);
    // The other cells carry exact HX711 words throughout.
    const truth = board.cellTruth();
    for (const c of [0, 1, 3]) {
      const j0 = alignTruth(truth[c]!, samples, c);
      expect(j0).toBeGreaterThanOrEqual(0);
      for (let i = 0; i < samples.length; i++) expect(truth[c]![j0 + i]!.counts).toBe(samples[i]!.counts[c]);
    }
    expect(board.timingViolations()).toEqual([]);
  });

  it('DOUT shorted low (always "ready", reads 0): STUCK fault and stale flags', () => {
    const { host, samples, unplugAt, replugAt } = unplugRun(1, 'low', opts);
    expectContiguous(samples);
    // STUCK after 1 s on one value (SPEC.md), i.e. from the 80th identical sample at 80 Hz.
    const during = samples.slice(unplugAt + 100, replugAt);
    expect(during.length).toBeGreaterThan(250);
    for (const s of during) {
      expect(s.flags & 0x0f).toBe(0x02);
      expect(s.counts[1]).toBe(0);
    }
    const faults = host.log.events.filter((e) => e.code === EVT_CELL_FAULT && e.cell === 1).map((e) => e.fault);
    expect(faults[0]).toBe(FAULT_STUCK);
    expect(faults[faults.length - 1]).toBe(FAULT_RECOVERED);
  });

  it('load cell wires off (bridge open, chip saturates): SATURATED flag and fault with the exact limit value', () => {
    const { host, samples, unplugAt, replugAt } = unplugRun(3, 'bridge', opts);
    expectContiguous(samples);
    const during = samples.slice(unplugAt + 30, replugAt);
    for (const s of during) {
      expect(s.counts[3]).toBe(0x7fffff);
      expect(s.flags & FLAG_SATURATED).toBe(FLAG_SATURATED);
    }
    const faults = host.log.events.filter((e) => e.code === EVT_CELL_FAULT && e.cell === 3).map((e) => e.fault);
    expect(faults[0]).toBe(FAULT_SATURATED);
    expect(faults[faults.length - 1]).toBe(FAULT_RECOVERED);
  });
});

describe.each([PATHS[0]!, PATHS[2]!])('a transmit path that cannot keep up: $name', ({ opts }) => {
  it('overflows the bounded ring with OVERFLOW events whose counts account for every index', () => {
    const board = boot({ seed: 41, loads: LOADS, ...opts });
    board.advance(0.5);
    const host = bleHost(board, 23);
    // One sample per frame at 80 Hz needs 80 notifications/s; the pacing allows 62.5/s.
    expect(host.command({ reqId: 1, code: CMD_SET_FRAME_SAMPLES, samplesPerFrame: 1 }).samplesPerFrame).toBe(1);
    host.command({ reqId: 2, code: CMD_START_STREAM });
    board.advance(30);
    host.command({ reqId: 3, code: CMD_STOP_STREAM });
    board.advance(3);
    const samples = samplesOf(host.log);
    const overflows = host.log.events.filter((e) => e.code === EVT_OVERFLOW);
    expect(overflows.length).toBeGreaterThan(0);
    const dropped = overflows.reduce((a, e) => a + e.dropped!, 0);
    const last = samples[samples.length - 1]!.index;
    // Every index 0..last is either received or counted in an OVERFLOW event.
    expect(samples.length + dropped).toBe(last + 1);
    expect(host.log.decoder.stats.lostSamples).toBe(dropped);
    // Each event names the first dropped index; the sample after the gap carries FLAG_OVERFLOW.
    const byIndex = new Map(samples.map((s) => [s.index, s]));
    for (const e of overflows) {
      expect(byIndex.has(e.index!)).toBe(false);
      expect(byIndex.has(e.index! - 1)).toBe(true);
      const next = byIndex.get(e.index! + e.dropped!)!;
      expect(next.flags & FLAG_OVERFLOW).toBe(FLAG_OVERFLOW);
    }
    // The radio itself dropped nothing: the pacing held.
    expect(board.stats().ble.notificationsDropped).toBe(0);
  });

  it('with a slower connection interval imposed by the central, radio drops show up as index gaps', () => {
    const board = boot({ seed: 42, loads: LOADS, ...opts });
    board.advance(0.5);
    const host = bleHost(board, 23, 50);
    host.link.write(UUID_CONTROL, encodeCommand({ reqId: 1, code: CMD_START_STREAM }));
    board.advance(20);
    const blocks = host.log.blocks;
    expect(board.stats().ble.notificationsDropped).toBeGreaterThan(0);
    expect(blocks.length).toBeGreaterThan(0);
    const first = blocks[0]!.firstIndex;
    const lastBlock = blocks[blocks.length - 1]!;
    const last = lastBlock.firstIndex + lastBlock.count - 1;
    const received = blocks.reduce((a, b) => a + b.count, 0);
    const gaps = blocks.reduce((a, b) => a + b.gapBefore, 0) - blocks[0]!.gapBefore;
    // Nothing is lost unnoticed: every index between the first and last received is either
    // received or inside a gap the decoder reported.
    expect(received + gaps).toBe(last - first + 1);
    expect(gaps).toBeGreaterThan(0);
  });
});

describe('corrupt flash at boot', () => {
  const corrupt: Array<[string, Record<string, string>, number]> = [
    ['calibration that is not JSON', { 'tripod.cal': '{"v":1,"cells":[{"offset":1' }, 2],
    ['calibration with a NaN scale and a string offset', { 'tripod.cal': JSON.stringify({ v: 1, cells: [{ offset: 'x', scale: null, x: 0, y: 0 }, 1, 2, 3] }) }, 2],
    ['settings with a 33 Hz rate', { 'tripod.json': JSON.stringify({ v: 1, name: '', rateHz: 33, samplesPerFrame: 4, keyInterval: 80, idleS: 60, serial: true, pins: null }) }, 1],
    ['both files as binary garbage', { 'tripod.json': '\u0000\u00ff\u0013garbage', 'tripod.cal': '\u00ff\u00fe' }, 3],
  ];
  for (const [what, storage, bits] of corrupt) {
    it(`${what}: defaults, a storage-fault event, no crash (and none after reboots)`, () => {
      const board = boot({ seed: 51, loads: LOADS, storage });
      board.advance(1);
      for (let k = 0; k < 2; k++) {
        const host = bleHost(board, 23);
        const info = host.command({ reqId: 1, code: CMD_GET_INFO }).info!;
        expect(info.sampleRateHz).toBe(80);
        if (bits & 2) expect(info.calibrated).toBe(false);
        const cal = host.command({ reqId: 2, code: CMD_GET_CALIBRATION, cell: 0 }).calibration!;
        if (bits & 2) {
          expect(cal.offset).toBe(0);
          expect(cal.xMm).toBe(180);
          expect(cal.yMm).toBe(180);
          expect(cal.scale).toBeCloseTo(1 / 4379.7, 9);
        }
        board.advance(0.5);
        const ev = host.log.events.find((e) => e.code === EVT_STORAGE_FAULT);
        expect(ev, 'storage-fault event (code 4)').toBeDefined();
        expect(ev!.storage).toBe(bits);
        host.link.disconnect();
        board.advance(0.5);
        board.reboot();
        board.advance(1);
      }
      expect(board.stats().uncaughtErrors).toBe(0);
    });
  }
});

describe('the emulator catches a read that holds the HX711 clock high too long', () => {
  it('a plain-JS digitalWrite/digitalRead/digitalWrite read powers the chips down mid-read (shared clock: hxRead)', () => {
    const good = firmwareSource();
    // hxRead is declared inside its loader (lazy.ts loadJsRead), not at the top level.
    let fn: AnyNode | null = null;
    visit(acorn.parse(good, { ecmaVersion: 5 }) as unknown as AnyNode, (n) => {
      if (n.type === 'FunctionDeclaration' && n.id?.name === 'hxRead') fn = n;
    });
    expect(fn, 'hxRead in the built firmware').not.toBeNull();
    const start = fn!.start;
    const end = fn!.end;
    const plain = [
      'function hxRead(sck, douts, spread, words, out) {',
      'var v = [0, 0, 0, 0];',
      'for (var i = 0; i < 24; i++) {',
      'digitalWrite(sck, 1);',
      'var b = digitalRead(douts);',
      'digitalWrite(sck, 0);',
      'for (var c = 0; c < 4; c++) v[c] = (v[c] << 1) | ((b >> (3 - c)) & 1);',
      '}',
      'digitalWrite(sck, 1);',
      'digitalWrite(sck, 0);',
      'for (var c = 0; c < 4; c++) out[c] = (v[c] << 8) >> 8;',
      '}',
    ].join('\n');
    // The "jit" JS read path (settings native: false), with its read replaced by the plain-JS one.
    const jsOnly = settingsStorage({ native: false });
    const board = boot({ seed: 61, loads: LOADS, board: 'puckjs', storage: jsOnly, source: good.slice(0, start) + plain + good.slice(end) });
    let fault: unknown = null;
    try {
      board.advance(2);
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(EmulatorFault);
    expect(String((fault as Error).message)).toMatch(/powered down during a read/);
  });
});
