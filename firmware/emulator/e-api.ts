/**
 * The runtime's E room: the E object (events, bytes and CRC, battery and temperature, error flags,
 * the console device, native calls through native-call.ts, reboot).
 */
import { crc32 } from 'node:zlib';
import { RebootSignal, type ApiHost } from './api-host.ts';
import type { BoardDef } from './boards.ts';
import type { Console } from './console.ts';
import { UNIMPLEMENTED_E } from './espruino-env.ts';
import type { NativeCalls } from './native-call.ts';
import type { NrfModel } from './nrf-model.ts';
import { mapInPlace } from './spi-model.ts';
import { bytesOfString, stringOfBytes } from './storage-model.ts';
import { toBytes, type Emitter, type Listener } from './values.ts';

export interface EApiContext {
  board: BoardDef;
  nrf: NrfModel;
  /** E.on(...) listeners. */
  events: Emitter;
  console: Console;
  native: NativeCalls;
  temperatureC: number;
  /** E.reboot(): marks the reboot the runtime does once the callback unwinds. */
  requestReboot: () => void;
}

export function makeE(host: ApiHost, ctx: EApiContext): Record<string, unknown> {
  const { R } = host;
  const api = host.api.bind(host);
  const events = ctx.events;
  const e = R.mkObject();
  for (const name of UNIMPLEMENTED_E) e[name] = host.unimplemented(`E.${name}`);
  e.mapInPlace = api('E.mapInPlace', mapInPlace);
  e.on = api('E.on', (evt: unknown, fn: unknown) => events.on(String(evt), fn as Listener));
  e.removeListener = api('E.removeListener', (evt: unknown, fn: unknown) => events.removeListener(String(evt), fn as Listener));
  e.removeAllListeners = api('E.removeAllListeners', (evt?: unknown) => events.removeAllListeners(evt === undefined ? undefined : String(evt)));
  e.emit = api('E.emit', (evt: unknown, ...args: unknown[]) => {
    for (const fn of events.get(String(evt))) fn(...args);
  });
  if (ctx.board.hasEGetBattery) {
    e.getBattery = api('E.getBattery', (): number => {
      const v = ctx.nrf.getBattery();
      return Math.round(Math.min(100, Math.max(0, (v - 2.0) / (3.0 - 2.0) * 100)));
    });
  }
  e.CRC32 = api('E.CRC32', (data: unknown): number => crc32(toBytes(data, 'E.CRC32 data')) >>> 0);
  e.toUint8Array = api('E.toUint8Array', (...args: unknown[]): Uint8Array => host.vmBytes(toBytes(args.length === 1 ? args[0] : args, 'E.toUint8Array')));
  e.toArrayBuffer = api('E.toArrayBuffer', (s: unknown): ArrayBuffer => host.vmBytes(bytesOfString(String(s))).buffer as ArrayBuffer);
  e.toString = api('E.toString', (...args: unknown[]): string => stringOfBytes(toBytes(args.length === 1 ? args[0] : args, 'E.toString')));
  e.sum = api('E.sum', (arr: unknown): number => {
    const a = arr as ArrayLike<number>;
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Number(a[i]);
    return s;
  });
  e.variance = api('E.variance', (arr: unknown, mean: unknown): number => {
    const a = arr as ArrayLike<number>;
    const m = Number(mean);
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (Number(a[i]) - m) ** 2;
    return a.length ? s / a.length : 0;
  });
  e.getTemperature = api('E.getTemperature', (): number => ctx.temperatureC);
  e.hwRand = api('E.hwRand', (): number => (Math.random() * 2 ** 32) | 0);
  e.getErrorFlags = api('E.getErrorFlags', (): unknown => R.JSON.parse(JSON.stringify(ctx.console.takeErrorFlags())));
  e.setConsole = api('E.setConsole', (dev: unknown, options?: unknown): void => ctx.console.set(dev, options));
  e.getAddressOf = api('E.getAddressOf', (v: unknown, flat?: unknown): number => ctx.native.getAddressOf(v, flat));
  e.nativeCall = api('E.nativeCall', (addr: unknown, sig: unknown, data?: unknown): unknown => ctx.native.makeFunction(addr, sig, data));
  e.getConsole = api('E.getConsole', (): string | undefined => ctx.console.device ?? undefined);
  e.reboot = api('E.reboot', (): never => {
    ctx.requestReboot();
    throw new RebootSignal();
  });
  return e;
}
