/**
 * The runtime's console room: which device the console is on (Serial1 with an adapter at power-on,
 * else the Bluetooth UART; E.setConsole moves it), what it printed, Espruino's interpreter error
 * flags, print/console.log/btoa/atob, and the REPL on the console device: input through the one
 * line discipline (console-input.ts), each complete line run in the firmware's scope, its result
 * printed after `=` (values.ts) and a `>` prompt. Typed characters are not echoed back here.
 */
import type { ApiHost, DefineGlobal } from './api-host.ts';
import { ConsoleInput } from './console-input.ts';
import { bytesOfString, stringOfBytes } from './storage-model.ts';
import { formatValue, printText } from './values.ts';

export type SerialName = 'Serial1' | 'Bluetooth' | 'LoopbackA' | 'LoopbackB';
export const SERIAL_NAMES: readonly SerialName[] = ['Serial1', 'Bluetooth', 'LoopbackA', 'LoopbackB'];

/** What the console needs from the rest of the board. */
export interface ConsoleWiring {
  /** Sends bytes out of a device (serial-api.ts). */
  send(dev: SerialName, bytes: Uint8Array): void;
  /** Where the console is at power-on and after a disconnect. */
  defaultDevice(): SerialName | null;
  /** Whether the Bluetooth UART service is on (the console follows a connection only then). */
  uartEnabled(): boolean;
  /** Runs one REPL line in the firmware's scope; errors are reported by the runtime (ok false). */
  runLine(code: string): { ok: true; value: unknown } | { ok: false };
  /** After a line: the runtime's after-callback work (loop charges, a pending reboot). */
  afterLine(): void;
}

export class Console {
  /** Everything the firmware printed to its console, newest last (bounded). */
  readonly log: string[] = [];
  device: SerialName | null = null;
  private forced = false;
  private inputs = new Map<SerialName, ConsoleInput>();
  private errorFlags = new Set<string>();

  constructor(private readonly wiring: ConsoleWiring) {}

  /** At boot: the default device, fresh input, no error flags. */
  reset(): void {
    this.inputs.clear();
    this.errorFlags.clear();
    this.forced = false;
    this.device = this.wiring.defaultDevice();
  }

  write(text: string): void {
    this.log.push(text);
    if (this.log.length > 2000) this.log.splice(0, 1000);
    if (this.device) this.wiring.send(this.device, bytesOfString(text));
  }

  /** The console follows a Bluetooth connection (UART on) unless E.setConsole forced it. */
  onLinkChanged(connected: boolean): void {
    if (this.forced) return;
    if (connected && this.wiring.uartEnabled()) this.device = 'Bluetooth';
    else if (!connected) this.device = this.wiring.defaultDevice();
  }

  /** E.setConsole(dev, { force }). */
  set(dev: unknown, options: unknown): void {
    const o = (options ?? {}) as { force?: unknown };
    let name: SerialName | null;
    if (dev === null || dev === undefined || dev === 'null') name = null;
    else if (typeof dev === 'string') name = dev as SerialName;
    else if (dev && typeof dev === 'object' && typeof (dev as { _name?: unknown })._name === 'string') name = (dev as { _name: SerialName })._name;
    else throw new TypeError(`E.setConsole: expected a serial device or its name, got ${String(dev)}`);
    if (name !== null && !SERIAL_NAMES.includes(name)) throw new Error(`E.setConsole: no device '${name}' on this board`);
    this.device = name;
    this.forced = !!o.force;
  }

  /** Bytes that arrived on the console device: the REPL. A blank line runs nothing. */
  receive(dev: SerialName, bytes: Uint8Array): void {
    let input = this.inputs.get(dev);
    if (!input) this.inputs.set(dev, (input = new ConsoleInput()));
    for (const line of input.push(stringOfBytes(bytes)).lines) {
      if (line.code.trim() === '') continue;
      const r = this.wiring.runLine(line.code);
      if (r.ok && line.echo) this.write(`=${formatValue(r.value)}\r\n`);
      this.write('>');
      this.wiring.afterLine();
    }
  }

  raiseErrorFlag(flag: string): void {
    if (this.errorFlags.has(flag)) return;
    this.errorFlags.add(flag);
    this.write(`New interpreter error: ${flag}\r\n`);
  }

  /** E.getErrorFlags(): the flags raised since the last call, cleared. */
  takeErrorFlags(): string[] {
    const flags = [...this.errorFlags];
    this.errorFlags.clear();
    return flags;
  }

  install(def: DefineGlobal, host: ApiHost): void {
    const printFn = (...args: unknown[]): void => this.write(`${args.map(printText).join(' ')}\r\n`);
    def('print', host.api('print', printFn));
    const consoleObj = host.R.mkObject();
    consoleObj.log = host.api('console.log', printFn);
    def('console', consoleObj);
    def('btoa', host.api('btoa', (s: unknown) => Buffer.from(bytesOfString(String(s))).toString('base64')));
    def('atob', host.api('atob', (s: unknown) => stringOfBytes(new Uint8Array(Buffer.from(String(s), 'base64')))));
  }
}
