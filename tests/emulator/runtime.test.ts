import { describe, expect, it } from 'vitest';
import { constantLoads, createBoard, EmulatorFault } from '../../firmware/emulator/index.ts';
import { expectExactReads, program, SHARED_CLOCK } from './helpers.ts';

const LOADS = constantLoads([100, 200, 300, 400]);

describe('emulator runtime: reading HX711s through the Espruino API', () => {
  it('a digitalPulse-timed read decodes exactly to the words the HX711 models shifted out', () => {
    const b = expectExactReads(createBoard({ source: program('pulse-read.js'), wiring: SHARED_CLOCK, clock: 'virtual', loads: LOADS, seed: 7 }), 200);
    expect(b.stats().hx711.every((h) => h.midReadPowerDowns === 0)).toBe(true);
    expect(b.timingViolations()).toEqual([]);
  });

  it('catches a plain-JS bit-bang that holds the clock high past 60 us (throws by default)', () => {
    const b = createBoard({ source: program('plain-bitbang.js'), wiring: SHARED_CLOCK, clock: 'virtual', loads: LOADS });
    expect(() => b.advance(1)).toThrow(EmulatorFault);
    expect(() => createBoard({ source: program('plain-bitbang.js'), wiring: SHARED_CLOCK, clock: 'virtual', loads: LOADS }).advance(1)).toThrow(/powered down during a read/);
  });

  it('counts the plain-JS power-downs without throwing when asked to log', () => {
    const b = createBoard({ source: program('plain-bitbang.js'), wiring: SHARED_CLOCK, clock: 'virtual', loads: LOADS, onTimingViolation: 'log' });
    b.advance(2);
    const v = b.timingViolations();
    expect(v.length).toBeGreaterThan(0);
    expect(v[0]!.pulse).toBe(1);
    expect(v[0]!.highS).toBeGreaterThan(60e-6);
    expect(b.stats().hx711[0]!.midReadPowerDowns).toBeGreaterThan(0);
    expect(b.stats().hx711[0]!.readsCompleted).toBe(0);
  });

  it('charges "jit" functions about half the interpreted cost and runs a rejected "jit" as plain JS', () => {
    const b = createBoard({ source: program('jit-read.js'), wiring: SHARED_CLOCK, clock: 'virtual', loads: LOADS });
    b.advance(2);
    const s = b.stats();
    expect(s.jitApiCalls).toBeGreaterThan(0);
    expect(s.callCosts.jit).toBeCloseTo(s.callCosts.interpreted / 2, 12);
    expect(b.jitErrors()).toEqual([{ line: expect.any(Number), reason: "'typeof'" }]);
    expect(b.consoleText()).toMatch(/JIT error: 'typeof' not supported/);
    const out = b.evaluate('out') as number[][];
    expect(out.length).toBeGreaterThan(10); // 10 Hz for 2 s, after the 400 ms settling
    const truth0 = b.cellTruth()[0]!.filter((r) => r.complete).map((r) => r.counts);
    expect(out.map((v) => v[0])).toEqual(truth0.slice(0, out.length));
  });

  it('can charge loop iterations at the cost table\'s "empty loop iteration" (7k instructions; half in "jit")', () => {
    const b = createBoard({
      costs: { loopIterationInstructions: 7000 },
      source: 'var a, b, c, d; function f(){ a = getTime(); for (var i = 0; i < 100; i++) {} b = getTime(); } function g(){ "jit"; c = getTime(); var i = 0; while (i < 100) i++; d = getTime(); } f(); g();',
      clock: 'virtual',
    });
    expect(b.evaluate('b - a')).toBeCloseTo(100 * 84e-6 + 204e-6, 9);
    expect(b.evaluate('d - c')).toBeCloseTo(100 * 42e-6 + 102e-6, 9);
    expect(b.stats().loopIterations).toBe(200);
  });

  it('interpreted API calls cost 204 us each', () => {
    const b = createBoard({ source: 'var t0, t1; function f(){ t0 = getTime(); digitalRead(16); digitalRead(16); digitalRead(16); t1 = getTime(); } f();', clock: 'virtual' });
    const dt = (b.evaluate('t1 - t0') as number);
    expect(dt).toBeCloseTo(4 * 204e-6, 9);
  });
});

describe('emulator runtime: what Espruino lacks fails here too', () => {
  const fails = (code: string): string => {
    const b = createBoard({ source: `var r; try { ${code}; r = "ok"; } catch (e) { r = String(e.message || e); }`, clock: 'virtual' });
    return b.evaluate('r') as string;
  };
  it.each([
    ['new Map()'], ['new Set()'], ['Symbol("x")'], ['Array.from([1])'], ['[1,[2]].flat()'], ['[1].at(0)'],
    ['[1].lastIndexOf(1)'], ['Number.isInteger(1)'], ['Math.imul(2, 3)'], ['Math.trunc(1.5)'], ['Object.freeze({})'],
    ['new ArrayBuffer(4).slice(1)'], ['ArrayBuffer.isView(new Uint8Array(1))'], ['new RangeError("x")'],
    ['new TextEncoder()'], ['"x".trimStart()'], ['"x".codePointAt(0)'], ['Promise.race([])'], ['new Proxy({}, {})'], ['Reflect.ownKeys({})'],
  ])('%s throws', (code) => {
    expect(fails(code)).not.toBe('ok');
  });
  it('keeps what Espruino has', () => {
    expect(fails('new Uint8Array(3).fill(1); [1,2].includes(2); "a".padStart(3); Object.assign({}, {a:1}); new DataView(new ArrayBuffer(4)).setInt16(0, 1, true); E.CRC32("abc"); btoa("x")')).toBe('ok');
  });
  it('an Espruino API the emulator does not model throws an error naming it', () => {
    expect(fails('analogRead(3)')).toMatch(/analogRead is an Espruino API the Tripod emulator does not implement/);
    expect(fails('E.enableWatchdog(5)')).toMatch(/E\.enableWatchdog/);
    expect(fails('NRF.setTxPower(4)')).toMatch(/NRF\.setTxPower/);
    expect(fails('require("Storage").open("f", "r")')).toMatch(/Storage"\)\.open/);
    expect(fails('require("heatshrink")')).toMatch(/Module heatshrink not found/);
  });
  it('E.getBattery exists on the Puck.js only', () => {
    expect(createBoard({ source: 'var x = typeof E.getBattery;', clock: 'virtual' }).evaluate('x')).toBe('undefined');
    expect(createBoard({ source: 'var x = E.getBattery();', clock: 'virtual', board: 'puckjs' }).evaluate('x')).toBe(100);
    expect(createBoard({ source: 'var x = NRF.getBattery();', clock: 'virtual' }).evaluate('x')).toBe(3.3);
  });
});

describe('emulator runtime: timers, watches, errors', () => {
  it('runs timers in virtual time order and clearTimeout of a fired timeout throws like Espruino', () => {
    const b = createBoard({
      source: 'var log = []; var a = setTimeout(function(){ log.push("a " + getTime().toFixed(3)); }, 30); setTimeout(function(){ log.push("b " + getTime().toFixed(3)); }, 10); var i = setInterval(function(){ log.push("i"); }, 25);',
      clock: 'virtual', onUncaught: 'log',
    });
    b.advance(0.06);
    const log = b.evaluate('log') as string[];
    expect(log[0]).toMatch(/^b 0\.01/);
    expect(log.filter((x) => x === 'i')).toHaveLength(2);
    expect(log.some((x) => x.startsWith('a 0.03'))).toBe(true);
    expect(() => b.evaluate('clearTimeout(a)')).toThrow(/Unknown Timeout/);
  });

  it('an uncaught error in a callback stops advance() with the message, or is printed with onUncaught: log', () => {
    const src = 'setTimeout(function(){ undefinedThing(); }, 5);';
    expect(() => createBoard({ source: src, clock: 'virtual' }).advance(0.01)).toThrow(/undefinedThing is not defined/);
    const b = createBoard({ source: src, clock: 'virtual', onUncaught: 'log' });
    b.advance(0.01);
    expect(b.consoleText()).toMatch(/Uncaught ReferenceError: undefinedThing is not defined/);
  });

  it('setWatch reports falling DOUT edges when a conversion becomes ready', () => {
    const b = createBoard({ source: 'var n = 0, last; setWatch(function(e){ n++; last = e; }, 16, { repeat: true, edge: "falling", debounce: 0 });', clock: 'virtual' });
    b.advance(1);
    // 10 Hz (RATE floats low): the first data after 4 conversion periods, then DOUT stays low (nobody reads)
    expect(b.evaluate('n')).toBe(1);
    expect(b.evaluate('last.state')).toBe(false);
    expect(b.evaluate('last.time')).toBeGreaterThan(0.38);
  });

  it('digitalRead of an array puts the last pin in the lowest bit; digitalWrite of an array sets bits from the right', () => {
    const b = createBoard({ source: 'pinMode(3, "output"); pinMode(5, "output"); digitalWrite([3, 4, 5], 0b110); digitalWrite(6, 1);', clock: 'virtual' });
    expect([b.pinLevel(3), b.pinLevel(4), b.pinLevel(5)]).toEqual([1, 1, 0]);
    // DOUT 16 is high while its HX711 converts; 3 is an output at 1, 5 at 0
    expect(b.evaluate('digitalRead([16, 3, 5])')).toBe(0b110);
    // digitalRead switches a pin whose mode was not set by pinMode to an input (unconnected: 0)
    expect(b.pinLevel(6)).toBe(1);
    expect(b.evaluate('digitalRead(6)')).toBe(0);
  });

  it('counts API calls by name for the bench', () => {
    const b = createBoard({ source: program('pulse-read.js'), wiring: SHARED_CLOCK, clock: 'virtual', loads: LOADS });
    b.advance(1);
    const s = b.stats();
    expect(s.apiCalls.digitalPulse).toBe(25 * (b.evaluate('out.length') as number));
    expect(s.totalApiCalls).toBe(Object.values(s.apiCalls).reduce((a, x) => a + x, 0));
  });
});

describe('no hoisting, as on Espruino', () => {
  it('calling a function before its declaration has run fails; after it, it works', () => {
    const b = createBoard({ source: 'var early, late; try { f(); early = "ok"; } catch (e) { early = e.name; } function f() { return 1; } late = f();', clock: 'virtual' });
    expect(b.evaluate('early')).toBe('TypeError');
    expect(b.evaluate('late')).toBe(1);
  });
});

describe('source instrumentation', () => {
  it('keeps minified code valid where declarations, loops and "jit" bodies meet', async () => {
    const { instrumentSource } = await import('../../firmware/emulator/espruino-env.ts');
    const vm = await import('node:vm');
    const src = 'function o(){"jit";for(;;){}function i(){}}function g(){}for(;;){}function h(){}function k(){for(;;)g()}';
    const out = instrumentSource(src);
    expect(() => new vm.Script(out.code)).not.toThrow();
    expect(out.declarations).toBe(5);
    expect(out.loops).toBe(3);
  });
});
