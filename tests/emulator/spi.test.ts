/**
 * Software SPI (`new SPI()`) and E.mapInPlace as Espruino implements them (jsspi.c,
 * jswrap_spi_i2c.c, jswrap_espruino.c), and the HX711 read through them with one clock per chip.
 */
import { describe, expect, it } from 'vitest';
import { constantLoads, createBoard } from '../../firmware/emulator/index.ts';
import { expectExactReads } from './helpers.ts';

const LOADS = constantLoads([100, 200, 300, 400]);
const PER_CHIP = { sck: [11, 12, 13, 14] as [number, number, number, number], rate: 15, dout: [16, 17, 18, 19] as [number, number, number, number] };

/** Reads each chip with one SPI.send of 3 bytes (sck = PD_SCK, mode 0) plus a digitalPulse for the 25th pulse. */
const SPI_READ = `
var K = [11, 12, 13, 14], DOUT = [16, 17, 18, 19], S = [], out = [], misses = 0;
pinMode(15, "output"); digitalWrite(15, 1);
for (var i = 0; i < 4; i++) {
  pinMode(K[i], "output"); digitalWrite(K[i], 0); pinMode(DOUT[i], "input");
  S[i] = new SPI(); S[i].setup({ sck: K[i], miso: DOUT[i], mode: 0, baud: 1000000 });
}
var Z = new Uint8Array(3);
function poll() {
  if (digitalRead(DOUT) !== 0) { misses++; return; }
  var v = [];
  for (var c = 0; c < 4; c++) {
    var d = S[c].send(Z);
    v.push((d[0] << 24 | d[1] << 16 | d[2] << 8) >> 8);
    digitalPulse(K[c], 1, 0.01);
  }
  out.push(v);
}
setInterval(poll, 5);
`;

/** Espruino's HX711 module: MOSI is the clock, 0xAA bytes give 4 pulses each, 0x80 the 25th. */
const MODULE_READ = `
var spi = new SPI();
spi.setup({ miso: 16, mosi: 11, baud: 2000000 });
pinMode(16, "input"); digitalWrite(11, 0);
var out = [];
function ex(x) { return ((x&128)?8:0)|((x&32)?4:0)|((x&8)?2:0)|((x&2)?1:0); }
function exLow(x) { return ((x&64)?8:0)|((x&16)?4:0)|((x&4)?2:0)|((x&1)?1:0); }
function poll() {
  if (digitalRead(16) !== 0) return;
  var c = 0xAA;
  var d = spi.send([c, c, c, c, c, c, 0x80]);
  var hi = (ex(d[0])<<20)|(ex(d[1])<<16)|(ex(d[2])<<12)|(ex(d[3])<<8)|(ex(d[4])<<4)|ex(d[5]);
  var lo = (exLow(d[0])<<20)|(exLow(d[1])<<16)|(exLow(d[2])<<12)|(exLow(d[3])<<8)|(exLow(d[4])<<4)|exLow(d[5]);
  out.push([(hi << 8) >> 8, (lo << 8) >> 8, Array.isArray(d) ? 1 : 0]);
}
setInterval(poll, 20);
`;

describe('software SPI (new SPI())', () => {
  it('reads four HX711 with one clock each: 3 bytes per chip decode exactly to the latched words', () => {
    const b = expectExactReads(createBoard({ source: SPI_READ, clock: 'virtual', loads: LOADS, seed: 3, wiring: PER_CHIP }), 150);
    expect(b.timingViolations()).toEqual([]);
    expect(b.stats().hx711.every((h) => h.powerDowns === 0 && h.overlongReads === 0 && h.highOverT3 === 0)).toBe(true);
    // Each clock-high phase lasts two GPIO operations of the C loop (SCK up, read MISO, SCK down),
    // except the digitalPulse-timed 25th pulse (10 us): far from the 50 us T3 maximum.
    for (const h of b.stats().hx711) expect(h.maxReadHighS).toBeLessThan(11e-6);
    const calls = b.stats().apiCalls;
    expect(calls['SPI.send']).toBe(4 * (b.evaluate('out') as unknown[]).length);
  });

  it("Espruino's HX711 module trick (MOSI as the clock, 0xAA bytes) reads the same words; bits 7,5,3,1 and 6,4,2,0 agree", () => {
    const b = createBoard({ source: MODULE_READ, clock: 'virtual', loads: LOADS, seed: 4, wiring: { sck: [11, 12, 13, 14], dout: [16, 17, 18, 19], rate: -1, rateHz: 10 } });
    b.advance(3);
    const out = b.evaluate('out') as number[][];
    const words = b.cellTruth()[0]!.filter((r) => r.complete).map((r) => r.counts);
    expect(out.length).toBeGreaterThan(10);
    expect(out.map((v) => v[0])).toEqual(words.slice(0, out.length));
    expect(out.map((v) => v[1])).toEqual(words.slice(0, out.length));
    expect(out.every((v) => v[2] === 1)).toBe(true);
    expect(b.stats().hx711[0]!.overlongReads).toBe(0);
    expect(b.timingViolations()).toEqual([]);
  });

  it('send returns the type it was given; bits go out MSB first (order "lsb" reverses the MOSI bits), modes 0-3', () => {
    const b = createBoard({
      source: `
        var seen = [];
        setWatch(function (e) { seen.push(e.data); }, 5, { repeat: true, edge: "rising", data: 4 });
        var s = new SPI(); s.setup({ sck: 5, mosi: 4 });
        var r1 = s.send(0xA5);
        var r2 = s.send([1, 2]);
        var r3 = s.send("ab");
        var r4 = s.send(new Uint8Array([7, 8, 9]));
        var l = new SPI(); l.setup({ sck: 5, mosi: 4, order: "lsb" });
        function types() { return [typeof r1, Array.isArray(r2), typeof r3, r4 instanceof Uint8Array, r4.length]; }
      `,
      clock: 'virtual',
    });
    b.advance(0.01);
    expect(b.evaluate('types()')).toEqual(['number', true, 'string', true, 3]);
    const seen = b.evaluate('seen') as boolean[];
    expect(seen.slice(0, 8).map((x) => (x ? 1 : 0))).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
    b.evaluate('seen = []; l.send(0x01)');
    b.advance(0.01);
    expect((b.evaluate('seen') as boolean[]).map((x) => (x ? 1 : 0))).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses options Espruino does not read, sending before setup, and nss pins (not modelled)', () => {
    const b = createBoard({ source: 'var s = new SPI();', clock: 'virtual' });
    expect(() => b.evaluate('s.send(1)')).toThrow(/setup\(\) first/);
    expect(() => b.evaluate('s.setup({ sck: 5, miso: 6, speed: 100 })')).toThrow(/option 'speed'/);
    expect(() => b.evaluate('s.setup({ sck: 5, order: "middle" })')).toThrow(/order must be/);
    expect(() => b.evaluate('s.setup({})')).toThrow(/at least one of sck, mosi, miso/);
    b.evaluate('s.setup({ sck: 5, miso: 6 })');
    expect(() => b.evaluate('s.send(1, 7)')).toThrow(/nss_pin/);
    expect(() => b.evaluate('s.send({})')).toThrow(/not suited to transmit/);
  });
});

describe('E.mapInPlace', () => {
  it("follows Espruino's own test (tests/test_E_mapInPlace.js): function, array and typed-array maps, 4 and 1 bits", () => {
    const b = createBoard({
      source: `
        var a = new Uint8Array([5,6,7,8,9,10,11,12]);
        var b = new Uint8Array(8);
        var r = [];
        E.mapInPlace(a, b, function (x) { return x + 1; }); r.push(b.toString());
        E.mapInPlace(a, b, [12,11,10,9,8,7,6,5,4,3,2,1,0]); r.push(b.toString());
        E.mapInPlace(a, b, new Uint8Array([12,11,10,9,8,7,6,5,4,3,2,1,0])); r.push(b.toString());
        E.mapInPlace(a, b, function (x) { return x; }, 4); r.push(b.toString());
        E.mapInPlace(a, b, function (x) { return x; }, 1); r.push(b.toString());
      `,
      clock: 'virtual',
    });
    expect(b.evaluate('r')).toEqual(['6,7,8,9,10,11,12,13', '7,6,5,4,3,2,1,0', '7,6,5,4,3,2,1,0', '0,5,0,6,0,7,0,8', '0,0,0,0,0,1,0,1']);
  });

  it('stops at the shorter array, writes 0 for a missing map entry, rejects non-buffers and negative bits', () => {
    const b = createBoard({ source: 'var t = new Int32Array(2); E.mapInPlace(new Uint8Array([0, 1, 2]), t, [100]);', clock: 'virtual' });
    expect(b.evaluate('Array.prototype.slice.call(t)')).toEqual([100, 0]);
    expect(() => b.evaluate('E.mapInPlace([1], new Uint8Array(1), [0])')).toThrow(/array buffers/);
    expect(() => b.evaluate('E.mapInPlace(new Uint8Array(1), new Uint8Array(1), 5)')).toThrow(/function or array/);
    expect(() => b.evaluate('E.mapInPlace(new Uint8Array(1), new Uint8Array(1), [0], -4)')).toThrow(/negative bits/);
  });
});
