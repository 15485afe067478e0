import { describe, expect, it } from 'vitest';
import { constantLoads, createBoard, functionLoads, scriptedLoads, COUNTS_PER_NEWTON_A128 } from '../../firmware/emulator/index.ts';
import { program, SHARED_CLOCK } from './helpers.ts';

describe('load sources', () => {
  it('scripted sequences hold or ramp between steps', () => {
    const src = scriptedLoads([
      { at: 1, forces: [10, 20, 30, 40] },
      { at: 3, forces: [30, 20, 10, 0], shape: 'ramp' },
      { at: 4, forces: [0, 0, 0, 0] },
    ]);
    expect(src(0.5)).toEqual([0, 0, 0, 0]);
    expect(src(1)).toEqual([10, 20, 30, 40]);
    expect(src(2)).toEqual([20, 20, 20, 20]);
    expect(src(3.5)).toEqual([30, 20, 10, 0]);
    expect(src(5)).toEqual([0, 0, 0, 0]);
    expect(() => scriptedLoads([{ at: 2, forces: [0, 0, 0, 0] }, { at: 1, forces: [0, 0, 0, 0] }])).toThrow(/sort the steps/);
  });

  it('the HX711 words follow the load source, and setLoads changes it at run time', () => {
    const b = createBoard({ source: program('pulse-read.js'), wiring: SHARED_CLOCK, clock: 'virtual', loads: constantLoads([0, 0, 0, 0]), cells: [{ offsetCounts: 0, noiseRmsCounts: 0, gainError: 0 }] });
    b.advance(1);
    b.setLoads(functionLoads(() => [50, 0, 0, 0]));
    b.advance(1);
    const truth = b.cellTruth()[0]!;
    expect(truth[0]!.counts).toBe(0);
    const last = truth[truth.length - 1]!;
    expect(last.forceN).toBe(50);
    expect(last.counts).toBe(Math.round(50 * COUNTS_PER_NEWTON_A128));
  });

  it('a cell unplugged mid-stream stops converting while the others go on', () => {
    const b = createBoard({ source: 'var n = [0,0,0,0]; setInterval(function(){ var v = digitalRead([16,17,18,19]); for (var i = 0; i < 4; i++) if (!((v >> (3 - i)) & 1)) n[i]++; }, 5);', clock: 'virtual' });
    b.advance(1);
    b.setCell(2, { unplugged: true });
    b.evaluate('n = [0,0,0,0]');
    b.advance(1);
    const n = b.evaluate('n') as number[];
    expect(n[2]).toBe(0);
    expect(n[0]).toBeGreaterThan(0);
  });
});

describe('digitalPulse', () => {
  it('times pulse trains on the hardware timer, returns at once, and (pin, 1, 0) waits for the end', () => {
    const b = createBoard({ source: 'var t0 = getTime(); digitalPulse(7, 1, [1, 2, 3]); var t1 = getTime(); digitalPulse(7, 1, 0); var t2 = getTime();', clock: 'virtual' });
    const call = 204e-6;
    expect(b.evaluate('t1 - t0')).toBeCloseTo(2 * call, 9); // getTime + digitalPulse
    expect(b.evaluate('t2 - t0')).toBeCloseTo(2 * call + 0.006, 9); // waited for 1 + 2 + 3 ms
    expect(b.pinLevel(7)).toBe(0);
  });

  it('queues a pulse behind one still running', () => {
    const b = createBoard({ source: 'digitalPulse(7, 1, 5); digitalPulse(7, 1, 5);', clock: 'virtual' });
    b.advance(0.002);
    expect(b.pinLevel(7)).toBe(1);
    b.advance(0.0045); // first pulse ended near 5.2 ms; second starts right away
    expect(b.pinLevel(7)).toBe(1);
    b.advance(0.006);
    expect(b.pinLevel(7)).toBe(0);
  });
});

describe('other Espruino helpers', () => {
  it('E.CRC32 is the zlib CRC-32; E.toUint8Array, E.sum and E.variance behave as documented', () => {
    const b = createBoard({ source: '', clock: 'virtual' });
    expect(b.evaluate('E.CRC32("123456789")')).toBe(0xcbf43926);
    expect(b.evaluate('Array.prototype.join.call(E.toUint8Array("AB", [1, 2], 300, {data: [9], count: 2}), ",")')).toBe('65,66,1,2,44,9,9');
    expect(b.evaluate('E.toUint8Array([1]) instanceof Uint8Array')).toBe(true);
    expect(b.evaluate('E.sum([1, 2, 3.5])')).toBe(6.5);
    expect(b.evaluate('E.variance([1, 2, 3], 2)')).toBeCloseTo(2 / 3, 12);
  });

  it('shiftOut clocks bytes MSB first on the data pin', () => {
    const b = createBoard({ source: 'var seen = []; setWatch(function(e){ seen.push(e.data); }, 5, { repeat: true, edge: "rising", data: 4 }); pinMode(4, "output"); pinMode(5, "output"); shiftOut(4, { clk: 5 }, [0xA5]);', clock: 'virtual' });
    b.advance(0.01);
    // the watch's `data` pin is sampled at each rising clock edge
    expect(b.evaluate('seen')).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
  });

  it('clearWatch stops a watch; an unknown id throws', () => {
    const b = createBoard({ source: 'var n = 0; var w = setWatch(function(){ n++; }, 16, { repeat: true, edge: "both" });', clock: 'virtual' });
    b.evaluate('clearWatch(w)');
    b.advance(1);
    expect(b.evaluate('n')).toBe(0);
    expect(() => b.evaluate('clearWatch(w)')).toThrow(/Unknown Watch/);
  });
});

describe('the input event queue', () => {
  it('a watch on a pin that toggles faster than the idle loop runs overflows the queue: FIFO_FULL, events lost', () => {
    // a busy 100-edge pulse train inside one callback: every edge queues a watch event
    const b = createBoard({ source: 'var n = 0; setWatch(function(){ n++; }, 5, { repeat: true, edge: "both" }); pinMode(5, "output"); var times = []; for (var i = 0; i < 100; i++) times.push(0.001); digitalPulse(5, 1, times); digitalPulse(5, 1, 0);', clock: 'virtual' });
    b.advance(0.1);
    expect(b.evaluate('n')).toBe(64);
    expect(b.stats().ioEventsDropped).toBe(37);
    expect(b.consoleText()).toMatch(/New interpreter error: FIFO_FULL/);
    expect(b.evaluate('E.getErrorFlags()')).toEqual(['FIFO_FULL']);
  });
});
