import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBoard } from '../../firmware/emulator/index.ts';

const COUNTER = `
var s = require("Storage");
var boots = (s.readJSON("boots.json", true) || { n: 0 }).n + 1;
s.writeJSON("boots.json", { n: boots });
`;

describe('emulated Storage', () => {
  it('keeps files across an emulated reboot, which re-runs the program', () => {
    const b = createBoard({ source: COUNTER, clock: 'virtual' });
    expect(b.evaluate('boots')).toBe(1);
    b.reboot();
    expect(b.evaluate('boots')).toBe(2);
    b.evaluate('setTimeout(function(){ E.reboot(); }, 10)');
    b.advance(0.02);
    expect(b.evaluate('boots')).toBe(3);
    expect(b.storageSnapshot()['boots.json']).toBe('{"n":3}');
  });

  it('E.reboot() stops the running code and restarts; device time restarts at 0', () => {
    const b = createBoard({ source: COUNTER + 'var after = false; function go() { E.reboot(); after = true; }', clock: 'virtual' });
    b.advance(1);
    b.evaluate('setTimeout(go, 1)');
    b.advance(0.01);
    expect(b.evaluate('after')).toBe(false);
    expect(b.evaluate('boots')).toBe(2);
    expect(b.deviceTime()).toBeLessThan(0.01);
  });

  it('supports the offset/size form: create with a size, fill in later (flash bits only clear)', () => {
    const b = createBoard({ source: 'var s = require("Storage"); s.write("a", "Hello", 0, 14); s.write("a", " ", 5); s.write("a", "World!!!", 6);', clock: 'virtual' });
    expect(b.evaluate('s.read("a")')).toBe('Hello World!!!');
    expect(b.evaluate('s.read("a", 6, 5)')).toBe('World');
    expect(b.evaluate('s.list()')).toEqual(['a']);
    expect(() => b.evaluate('s.write("b", "x", 3)')).toThrow(/does not exist/);
    expect(() => b.evaluate('s.write("a-name-that-is-way-too-long-for-flash", "x")')).toThrow(/limit is 28/);
    b.evaluate('s.erase("a")');
    expect(b.evaluate('s.read("a")')).toBeUndefined();
  });

  it('readJSON throws on corrupt JSON unless asked not to; missing files read as undefined', () => {
    const b = createBoard({ source: 'var s = require("Storage");', clock: 'virtual', storage: { 'cal.json': '{"offset": [1, 2' } });
    expect(() => b.evaluate('s.readJSON("cal.json")')).toThrow(/cal\.json/);
    expect(b.evaluate('s.readJSON("cal.json", true)')).toBeUndefined();
    expect(b.evaluate('s.readJSON("nope.json")')).toBeUndefined();
    expect(b.evaluate('s.read("nope")')).toBeUndefined();
  });

  it('can be backed by a JSON file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tripod-emu-')), 'flash.json');
    createBoard({ source: COUNTER, clock: 'virtual', storage: { file } });
    createBoard({ source: COUNTER, clock: 'virtual', storage: { file } });
    const b = createBoard({ source: COUNTER, clock: 'virtual', storage: { file } });
    expect(b.evaluate('boots')).toBe(3);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toEqual(['boots.json']);
  });
});

describe('emulated serial ports and console', () => {
  it('Serial1 carries bytes both ways once the console is parked on LoopbackA', () => {
    const b = createBoard({
      source: 'var rx = []; Serial1.setup(115200); E.setConsole(LoopbackA, { force: true }); Serial1.on("data", function (d) { rx.push(d); Serial1.write(E.toUint8Array(d, [0x0a])); });',
      clock: 'virtual',
    });
    const got: number[] = [];
    b.serial.onData((bytes) => got.push(...bytes));
    b.serial.write(Uint8Array.of(1, 2, 255));
    b.advance(0.01);
    expect(b.evaluate('rx')).toEqual(['\x01\x02\xff']);
    expect(got).toEqual([1, 2, 255, 10]);
    expect(b.consoleDevice()).toBe('LoopbackA');
  });

  it('print goes to the console device; Serial1 is the console at power-on with an adapter attached', () => {
    const b = createBoard({ source: 'print("hello", 1, [2, 3]);', clock: 'virtual' });
    const got: number[] = [];
    b.serial.onData((bytes) => got.push(...bytes));
    b.advance(0.1);
    expect(Buffer.from(got).toString('latin1')).toBe('hello 1 [2,3]\r\n');
  });

  it('the REPL on the console answers the espruino tools\' environment query', () => {
    const b = createBoard({ source: '', clock: 'virtual' });
    const got: number[] = [];
    b.serial.onData((bytes) => got.push(...bytes));
    b.serial.write('\x10print("<","<<",JSON.stringify(process.env),">>",">")\n');
    b.advance(0.2);
    const text = Buffer.from(got).toString('latin1');
    expect(text).toMatch(/< << \{"VERSION":"2v29","BOARD":"MDBT42Q".*\} >> >/);
    b.serial.write('1+2\n');
    b.advance(0.1);
    expect(Buffer.from(got).toString('latin1')).toMatch(/=3\r\n>$/);
  });

  it('serial output is paced by the baud rate and blocks when the 128-byte buffer is full', () => {
    const b = createBoard({ source: 'Serial1.setup(9600); E.setConsole(null); var t0 = getTime(); Serial1.write(new Uint8Array(400)); var t1 = getTime();', clock: 'virtual' });
    // 400 bytes at 960 bytes/s: JS blocks until all but the last 128 bytes have left
    expect(b.evaluate('t1 - t0')).toBeCloseTo((400 - 128) / 960 + 204e-6, 3);
  });
});

describe('reboot loops', () => {
  it('a program that reboots as it boots is reported as a reboot loop instead of recursing', () => {
    expect(() => createBoard({ source: 'E.reboot();', clock: 'virtual' })).toThrow(/reboot loop at boot/);
  });
});

describe('real-time clock', () => {
  it('follows the wall clock until stopped', async () => {
    const b = createBoard({ source: 'var n = 0; setInterval(function(){ n++; }, 10);', clock: 'realtime', realtimeStepMs: 5 });
    await new Promise((r) => setTimeout(r, 300));
    b.stop();
    const t = b.now();
    expect(t).toBeGreaterThan(0.2);
    expect(t).toBeLessThan(5);
    expect(b.evaluate('n')).toBeGreaterThan(10);
    expect(() => b.advance(1)).toThrow(/real time/);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.now()).toBe(t);
  });
});
