/**
 * The runtime's native-call room: E.nativeCall and E.getAddressOf over the Thumb machine
 * (native-machine.ts), its GPIO wired to the pin bank and the HX711s, and what native calls cost.
 */
import type { ApiHost } from './api-host.ts';
import { CPU_HZ, NativeMachine, ThumbFault } from './native-machine.ts';
import { PinBankGpio } from './native-gpio.ts';
import type { PinBank } from './pins.ts';
import { pinOf, toBytes } from './values.ts';

export interface NativeCallContext {
  pins: PinBank;
  /** The MCU read the GPIO input register at t (HX711 models see the read). */
  onGpioRead: (t: number) => void;
  /** A native fault (a HardFault on the device): stops advance(). */
  onFault: (message: string, t: number) => void;
  /** Modelled CPU time of a native call, s (the clock is moved here; this only counts it). */
  chargeCpu: (seconds: number) => void;
}

export interface NativeStats {
  calls: number;
  cycles: number;
  instructions: number;
  /** Native calls and cycles by the call's first argument (Tripod's entry takes the op there). */
  byFirstArg: Map<number, { calls: number; cycles: number }>;
}

export class NativeCalls {
  /**
   * Espruino stores an ArrayBuffer of more than JSV_FLAT_STRING_BREAK_EVEN bytes (16 on these
   * builds, firmware/ESPRUINO.md) in a flat string, whose data has a fixed address; smaller ones
   * live in a chain of variables: no single address.
   */
  static readonly FLAT_STRING_BREAK_EVEN = 16;
  /** The RAM and Thumb core (new at each boot: RAM is lost on reset). */
  machine!: NativeMachine;
  private gpio!: PinBankGpio;
  readonly stats: NativeStats = { calls: 0, cycles: 0, instructions: 0, byFirstArg: new Map() };

  constructor(private readonly host: ApiHost, private readonly ctx: NativeCallContext) {}

  /** A fresh machine: what a reboot does to RAM. */
  boot(): void {
    this.gpio = new PinBankGpio(this.ctx.pins, this.host.clock, CPU_HZ, this.ctx.onGpioRead);
    this.machine = new NativeMachine({ gpio: this.gpio });
  }

  getAddressOf(v: unknown, flat: unknown): number {
    if (!flat) throw new Error('E.getAddressOf(v, false) (the address of the JsVar itself) is not modelled by the Tripod emulator; pass true for the address of a flat buffer\'s data');
    if (typeof v === 'string') throw new Error('E.getAddressOf of a string is not modelled by the Tripod emulator (strings are immutable in Node); use a typed array');
    let ab: ArrayBuffer | null = null;
    if (v && typeof v === 'object') {
      if (ArrayBuffer.isView(v)) ab = (v as ArrayBufferView).buffer as ArrayBuffer;
      else if (Object.prototype.toString.call(v) === '[object ArrayBuffer]') ab = v as ArrayBuffer;
    }
    if (!ab || ab.byteLength <= NativeCalls.FLAT_STRING_BREAK_EVEN) return 0;
    return this.machine.mapBuffer(v as ArrayBuffer | ArrayBufferView);
  }

  /** E.nativeCall(addr, sig, data): a function running the Thumb code at data + addr (or at addr). */
  makeFunction(addr: unknown, sig: unknown, data: unknown): unknown {
    const s = parseNativeSignature(sig);
    const a = Number(addr) | 0;
    const machine = this.machine;
    const entry = data === undefined ? a : machine.load(toBytes(data, 'E.nativeCall data', true)) + a;
    const argTypes = s.args;
    const ret = s.ret;
    return this.host.api('E.nativeCall()', (...args: unknown[]): unknown => {
      const vals: number[] = [];
      for (let i = 0; i < argTypes.length; i++) {
        const x = args[i];
        const t = argTypes[i];
        vals.push(t === 'Pin' ? pinOf(x) : t === 'bool' ? (x ? 1 : 0) : Number(x) | 0);
      }
      const r0 = this.run(machine, entry, vals);
      return ret === 'int' ? r0 : ret === 'bool' ? r0 !== 0 : undefined;
    });
  }

  /**
   * Runs a native call at the current virtual time: GPIO accesses happen at t0 + cycle / 64 MHz,
   * and the clock ends at t0 + cycles / 64 MHz (the call's API cost was charged before). A fault
   * is a HardFault on the device (no JavaScript can catch it): it stops advance() whatever the
   * firmware does with the Error it also sees.
   */
  private run(machine: NativeMachine, entry: number, args: number[]): number {
    const { clock } = this.host;
    const t0 = clock.now;
    this.gpio.t0 = t0;
    try {
      return machine.call(entry, args).r0;
    } catch (e) {
      if (e instanceof ThumbFault) this.ctx.onFault(`native code fault at t=${t0.toFixed(6)} s (HardFault on the device): ${e.message}`, t0);
      throw e;
    } finally {
      const cycles = machine.cpu.cycles;
      this.stats.calls++;
      this.stats.cycles += cycles;
      this.stats.instructions += machine.cpu.instructions;
      const k = args[0] ?? 0;
      const by = this.stats.byFirstArg.get(k) ?? { calls: 0, cycles: 0 };
      by.calls++;
      by.cycles += cycles;
      this.stats.byFirstArg.set(k, by);
      const s = cycles / CPU_HZ;
      this.ctx.chargeCpu(s);
      const end = t0 + s;
      if (end > clock.now) clock.spend(end - clock.now);
    }
  }
}

export type NativeArgType = 'int' | 'bool' | 'Pin';

/**
 * Parses an E.nativeCall signature like Espruino's nativeCallGetCType loop: `ret (t1,t2,...)`,
 * types void|bool|int|double|Pin|JsVar, at most 4 arguments (16 bits of 3-bit type codes).
 * We run int/bool/Pin arguments and int/bool/void returns; double and JsVar throw naming the type.
 */
export function parseNativeSignature(sig: unknown): { ret: 'int' | 'bool' | 'void'; args: NativeArgType[] } {
  if (typeof sig !== 'string') throw new Error('Invalid Signature');
  const toks = sig.match(/[A-Za-z_][A-Za-z0-9_]*|\S/g) ?? [];
  let i = 0;
  let argNumber = 0;
  const known = ['void', 'bool', 'int', 'double', 'Pin', 'JsVar'];
  const fail = (): never => {
    throw new Error(`Error Parsing signature at argument number ${argNumber}`);
  };
  const type = (): string => {
    const t = toks[i];
    if (t === undefined || !known.includes(t)) fail();
    i++;
    argNumber++;
    if (t === 'double' || t === 'JsVar') throw new Error(`E.nativeCall: the signature type '${t}' is not modelled by the Tripod emulator (int, bool, Pin arguments; int, bool, void returns)`);
    return t!;
  };
  const ret = type();
  if (ret === 'Pin') throw new Error("E.nativeCall: a 'Pin' return is not modelled by the Tripod emulator (int, bool, void returns)");
  if (toks[i++] !== '(') fail();
  const args: NativeArgType[] = [];
  while (i < toks.length && toks[i] !== ')') {
    const t = type();
    if (t === 'void') throw new Error("E.nativeCall: 'void' as an argument type is not modelled by the Tripod emulator");
    args.push(t as NativeArgType);
    if (toks[i] !== ')' && toks[i++] !== ',') fail();
  }
  if (toks[i++] !== ')' || i !== toks.length) fail();
  if (args.length > 4) {
    argNumber = args.length + 1;
    fail();
  }
  return { ret: ret as 'int' | 'bool' | 'void', args };
}
