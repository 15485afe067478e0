/**
 * Loads Tripod's native code (firmware/native/*.c, compiled by `npm run build:native` into
 * native-code.ts) as one Espruino native function, the way the Web IDE's E.compiledC does:
 * E.nativeCall(entry + 1, "int(int,int,int)", atob(code)). The firmware uses it for the HX711
 * read (sampler.ts) and the frame encoder (native-stream.ts); without it (an Espruino build without
 * E.nativeCall, a CPU the code was not built for, an ABI mismatch, or buffers that are not flat)
 * everything runs in JS as before.
 *
 * The CPU: the code is ARMv6-M Thumb for an nRF52 with GPIO P0 at 0x50000000. Espruino for Linux
 * (x64 or ARM), ESP32 and STM32 boards has E.nativeCall too, and jumping into this code there
 * crashes the interpreter (x64, ESP32: not Thumb; STM32, ARM Linux: no nRF52 GPIO at that address).
 * Espruino reports no CPU in process.env (2v29: VERSION, BOARD, RAM, FLASH, SERIAL, CONSOLE,
 * MODULES, ...), so the decision is made from BOARD: native code runs only on the nRF52 boards
 * isNrf52Board knows. One explicit override exists, for tests on the real interpreter under
 * Linux: a number in `globalThis.TRIPOD_GPIO_BASE` (set by the test's stand-in before the firmware
 * loads) allows native code whatever BOARD says and is the GPIO base the native read uses (a RAM
 * block the stand-in drives, address - 0x508; firmware/native/hx711.c). Nothing on a board sets it.
 */
import { NATIVE_ABI, NATIVE_CODE_B64, NATIVE_ENTRY } from './native-code.ts';

/** The native entry: op (NAT_*), a, b -> int. */
export type NativeFn = (op: number, a: number, b: number) => number;

export const NAT_ABI = 0;
export const NAT_TICK = 5;
/** GPIO P0 base on every nRF52 (nRF52832/833/840 PS: GPIO P0 at 0x50000000). */
export const NRF52_GPIO_P0 = 0x50000000;
/**
 * True for process.env.BOARD of an Espruino build for an nRF52 board. A switch, not a list: no array
 * kept in RAM, and no String.indexOf, which on Espruino 2v29.277 (ARM and x64 builds alike) answers
 * a position instead of -1 for a string not found in a long string (measured: a 62-character
 * string's indexOf("zzz") gives 61), so a board list in one string would match every board.
 */
export function isNrf52Board(b: string | undefined): boolean {
  'boot';
  switch (b) {
    case 'PUCKJS':
    case 'MDBT42Q':
    case 'PIXLJS':
    case 'JOLTJS':
    case 'BANGLEJS':
    case 'BANGLEJS2':
    case 'NRF52832DK':
    case 'NRF52840DK':
    case 'MICROBIT2':
    case 'RUUVITAG':
    case 'THINGY52':
    case 'RAK8211':
    case 'RAK8212':
    case 'SMAQ3':
      return true;
  }
  return false;
}

/**
 * The GPIO P0 base address for the native read, or 0 when this interpreter's CPU is not one the
 * native code was built for (then nothing native may run): globalThis.TRIPOD_GPIO_BASE when a test's
 * stand-in set it (see the file header), NRF52_GPIO_P0 on an nRF52 board, else 0.
 */
export function gpioBase(): number {
  'boot';
  const o = (globalThis as { TRIPOD_GPIO_BASE?: number }).TRIPOD_GPIO_BASE;
  if (typeof o === 'number') return o;
  return isNrf52Board(process.env.BOARD) ? NRF52_GPIO_P0 : 0;
}

/** The native function, or null when this interpreter cannot run it (then use the JS paths). */
export function loadNative(): NativeFn | null {
  'boot';
  const nc = E.nativeCall;
  if (!nc || !E.getAddressOf || gpioBase() === 0) return null;
  // E.nativeCall keeps the code as a flat string (contiguous variables) and runs it at its address
  // + NATIVE_ENTRY + 1 (Thumb). atob's result already is one when memory allows (Espruino stores a
  // string this long flat), else E.nativeCall copies it into one; when that copy fails it returns
  // undefined (jswrap_espruino.c jswrap_espruino_nativeCall, 2v29): then the JS paths, not a throw
  // at boot. (E.toString, used here before, returns a string argument as it is, flat or not.)
  const f = nc(NATIVE_ENTRY + 1, 'int(int,int,int)', atob(NATIVE_CODE_B64));
  if (typeof f !== 'function') return null;
  return f(NAT_ABI, 0, 0) === NATIVE_ABI ? f : null;
}

/** Address of a typed array's data for native code, or 0 when it is not a flat buffer. */
export function addressOf(v: Int32Array | Uint8Array): number {
  const g = E.getAddressOf;
  return g ? g(v, true) : 0;
}
