/**
 * Loads Tripod's native code (firmware/native/*.c, compiled by `npm run build:native` into
 * native-code.ts) as one Espruino native function, the way the Web IDE's E.compiledC does:
 * E.nativeCall(entry + 1, "int(int,int,int)", atob(code)). The firmware uses it for the HX711
 * read (sampler.ts) and the frame encoder (native-stream.ts); without it (an Espruino build without
 * E.nativeCall, an ABI mismatch, or buffers that are not flat) everything runs in "jit" JS as before.
 */
import { NATIVE_ABI, NATIVE_CODE_B64, NATIVE_ENTRY } from './native-code.ts';

/** The native entry: op (NAT_*), a, b -> int. */
export type NativeFn = (op: number, a: number, b: number) => number;

export const NAT_ABI = 0;
export const NAT_TICK = 5;

/** The native function, or null when this interpreter cannot run it (then use the JS paths). */
export function loadNative(): NativeFn | null {
  const nc = E.nativeCall;
  if (!nc || !E.getAddressOf) return null;
  // A flat string made here (E.toString returns undefined when it cannot allocate one) is used by
  // E.nativeCall as is; given a plain string it would make the flat copy itself, and a failed copy
  // there would leave the function pointing at address NATIVE_ENTRY + 1: a HardFault at every boot.
  const code = E.toString(atob(NATIVE_CODE_B64));
  if (code === undefined) return null;
  const f = nc(NATIVE_ENTRY + 1, 'int(int,int,int)', code);
  return f(NAT_ABI, 0, 0) === NATIVE_ABI ? f : null;
}

/** Address of a typed array's data for native code, or 0 when it is not a flat buffer. */
export function addressOf(v: Int32Array | Uint8Array): number {
  const g = E.getAddressOf;
  return g ? g(v, true) : 0;
}
