/**
 * What every room of the Espruino runtime (pin-api.ts, timer-api.ts, storage-api.ts, e-api.ts,
 * native-call.ts, serial-api.ts, console.ts) gets from the runtime core (runtime.ts): the clock,
 * the firmware's realm, and the one way an API function is counted, charged and made to throw in
 * the firmware's realm. spi-model.ts takes the same things through its own narrow context.
 */
import type { VirtualClock } from './clock.ts';
import type { Listener } from './values.ts';

/** Constructors and helpers of the firmware's vm realm (values handed to the firmware are of it). */
export interface Realm {
  Uint8Array: Uint8ArrayConstructor;
  ArrayBuffer: ArrayBufferConstructor;
  Error: ErrorConstructor;
  TypeError: TypeErrorConstructor;
  JSON: JSON;
  Array: ArrayConstructor;
  mkWatchEvent: (s: boolean, t: number, l: number | undefined, d: number | undefined) => unknown;
  mkObject: () => Record<string, unknown>;
}

/** Defines a global of the firmware (not enumerable, as Espruino's built-ins). */
export type DefineGlobal = (name: string, value: unknown) => void;

export interface ApiHost {
  readonly clock: VirtualClock;
  readonly R: Realm;
  /** Wraps an implementation as an Espruino API function: counted, charged, errors re-thrown in the firmware's realm. */
  api<A extends unknown[], T>(name: string, impl: (...a: A) => T): (...a: A) => T;
  /** A function that throws naming an Espruino API the emulator does not model. */
  unimplemented(name: string): () => never;
  /** Runs a firmware callback as the idle loop does (charged, errors reported). */
  runCallback(fn: Listener, args: unknown[], thisArg?: unknown): void;
  /** A Uint8Array of the firmware's realm holding these bytes. */
  vmBytes(b: Uint8Array): Uint8Array;
  /** Evaluates code in the firmware's global scope. */
  evaluate(code: string): unknown;
}

/** Thrown through the firmware by E.reboot(): the runtime reboots once the callback unwinds. */
export class RebootSignal {
  readonly reboot = true;
}
