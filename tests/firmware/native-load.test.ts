/**
 * firmware/src/native.ts loadNative: when native code may run, and that every way it cannot ends in
 * the JS paths (null), never in a throw at boot. E.nativeCall is stubbed with what Espruino 2v29's
 * jswrap_espruino_nativeCall does: undefined when the code is not a flat string and no flat copy of
 * it can be allocated (a fragmented variable store); otherwise a function.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NATIVE_ABI } from '../../firmware/src/native-code.ts';

// By a computed path: native.ts uses Espruino's globals (E, atob), declared for firmware/tsconfig.json
// only (firmware/src/espruino.d.ts), so the root project must not type-check it through this import.
const NATIVE_TS = '../../firmware/src/native.ts';
const { loadNative, NAT_ABI } = (await import(NATIVE_TS)) as { loadNative: () => unknown; NAT_ABI: number };

type Stub = { nativeCall?: unknown; getAddressOf?: unknown };
const g = globalThis as unknown as { E?: Stub; TRIPOD_GPIO_BASE?: number };
const board = process.env.BOARD;

function withE(e: Stub, gpioBase: number | undefined): void {
  g.E = e;
  if (gpioBase === undefined) delete g.TRIPOD_GPIO_BASE;
  else g.TRIPOD_GPIO_BASE = gpioBase;
}

afterEach(() => {
  delete g.E;
  delete g.TRIPOD_GPIO_BASE;
  if (board === undefined) delete process.env.BOARD;
  else process.env.BOARD = board;
});

describe('loadNative', () => {
  it('returns the native function when its ABI answer matches', () => {
    const calls: number[][] = [];
    const fn = (op: number, a: number, b: number): number => {
      calls.push([op, a, b]);
      return op === NAT_ABI ? NATIVE_ABI : 0;
    };
    withE({ nativeCall: () => fn, getAddressOf: () => 0x2000 }, 0x20001000);
    expect(loadNative()).toBe(fn);
    expect(calls).toEqual([[NAT_ABI, 0, 0]]);
  });

  it('falls back (null) when E.nativeCall cannot make a flat copy of the code and returns undefined', () => {
    withE({ nativeCall: () => undefined, getAddressOf: () => 0x2000 }, 0x20001000);
    expect(loadNative()).toBeNull();
  });

  it('falls back when the code answers another ABI', () => {
    withE({ nativeCall: () => () => NATIVE_ABI + 1, getAddressOf: () => 0x2000 }, 0x20001000);
    expect(loadNative()).toBeNull();
  });

  it('never calls E.nativeCall on a CPU the code was not built for (BOARD not an nRF52, no test override)', () => {
    let made = 0;
    process.env.BOARD = 'LINUX';
    withE({ nativeCall: () => { made++; return () => NATIVE_ABI; }, getAddressOf: () => 0x2000 }, undefined);
    expect(loadNative()).toBeNull();
    expect(made).toBe(0);
    process.env.BOARD = 'PUCKJS';
    expect(loadNative()).not.toBeNull();
    expect(made).toBe(1);
  });

  it('falls back on an interpreter without E.nativeCall or E.getAddressOf (SAVE_ON_FLASH builds)', () => {
    withE({ getAddressOf: () => 0x2000 }, 0x20001000);
    expect(loadNative()).toBeNull();
    withE({ nativeCall: () => () => NATIVE_ABI }, 0x20001000);
    expect(loadNative()).toBeNull();
  });
});
