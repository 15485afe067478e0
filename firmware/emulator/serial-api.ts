/**
 * The runtime's NRF and serial room: the NRF object over the radio model (nrf-model.ts), Serial1
 * behind a USB-serial adapter (paced by its baud rate, a 128-byte transmit buffer), the Bluetooth
 * UART and the two loopbacks; bytes for the console device go to the console (console.ts).
 */
import type { ApiHost, DefineGlobal } from './api-host.ts';
import { UNIMPLEMENTED_NRF } from './espruino-env.ts';
import type { NrfModel } from './nrf-model.ts';
import type { Console, SerialName } from './console.ts';
import { SERIAL_NAMES } from './console.ts';
import { stringOfBytes } from './storage-model.ts';
import { Emitter, pinOf, printText, toBytes, type Listener } from './values.ts';

export class SerialPorts {
  /** Espruino's transmit buffer (bytes); writes block while it is full. */
  static readonly TX_BUFFER_BYTES = 128;
  /** NRF.on(...) listeners. */
  nrfEvents = new Emitter();
  private events = new Map<SerialName, Emitter>();
  /** Serial1's baud rate; 0 when no adapter is attached (nothing leaves the board). */
  private baud = 0;
  private txBusyUntil = 0;
  private hostListeners: Array<(bytes: Uint8Array) => void> = [];

  constructor(private readonly host: ApiHost, private readonly nrf: NrfModel, private readonly console: Console) {}

  /** At boot: no listeners; Serial1 at 9600 baud when an adapter is on the console pins. */
  reset(adapterBaud: number): void {
    this.nrfEvents = new Emitter();
    this.events.clear();
    this.baud = adapterBaud;
  }

  private eventsOf(dev: SerialName): Emitter {
    let e = this.events.get(dev);
    if (!e) this.events.set(dev, (e = new Emitter()));
    return e;
  }

  send(dev: SerialName, bytes: Uint8Array): void {
    if (dev === 'Serial1') this.serialTx(bytes);
    else if (dev === 'Bluetooth') this.nrf.uartWrite(bytes);
    else {
      const other: SerialName = dev === 'LoopbackA' ? 'LoopbackB' : 'LoopbackA';
      const copy = bytes.slice();
      this.host.clock.js.push(this.host.clock.now, () => this.receive(other, copy));
    }
  }

  receive(dev: SerialName, bytes: Uint8Array): void {
    if (this.console.device === dev) {
      this.console.receive(dev, bytes);
      return;
    }
    const text = stringOfBytes(bytes);
    for (const fn of this.eventsOf(dev).get('data')) this.host.runCallback(fn, [text]);
  }

  private serialTx(bytes: Uint8Array): void {
    if (this.baud <= 0 || bytes.length === 0) return;
    const { clock } = this.host;
    const bps = this.baud / 10;
    const start = Math.max(clock.now, this.txBusyUntil);
    const end = start + bytes.length / bps;
    this.txBusyUntil = end;
    // JavaScript returns once everything not yet sent fits in the transmit buffer
    const unblock = end - SerialPorts.TX_BUFFER_BYTES / bps;
    if (unblock > clock.now) clock.spend(unblock - clock.now);
    const copy = bytes.slice();
    clock.hw.push(end, () => {
      for (const l of this.hostListeners.slice()) l(copy);
    });
  }

  /** Bytes from the host's side of Serial1 (a USB-serial adapter). */
  hostWrite(bytes: Uint8Array): void {
    if (this.baud <= 0) return;
    const t = this.host.clock.now + bytes.length / (this.baud / 10);
    const copy = bytes.slice();
    this.host.clock.js.push(t, () => this.receive('Serial1', copy));
  }

  onHost(cb: (bytes: Uint8Array) => void): () => void {
    this.hostListeners.push(cb);
    return () => {
      this.hostListeners = this.hostListeners.filter((x) => x !== cb);
    };
  }

  install(def: DefineGlobal): void {
    def('NRF', this.makeNrf());
    for (const name of SERIAL_NAMES) def(name, this.makeSerial(name));
  }

  private makeNrf(): Record<string, unknown> {
    const { R } = this.host;
    const api = this.host.api.bind(this.host);
    const n = R.mkObject();
    const nrf = this.nrf;
    for (const name of UNIMPLEMENTED_NRF) n[name] = this.host.unimplemented(`NRF.${name}`);
    n.on = api('NRF.on', (evt: unknown, fn: unknown) => this.nrfEvents.on(String(evt), fn as Listener));
    n.removeListener = api('NRF.removeListener', (evt: unknown, fn: unknown) => this.nrfEvents.removeListener(String(evt), fn as Listener));
    n.removeAllListeners = api('NRF.removeAllListeners', (evt?: unknown) => this.nrfEvents.removeAllListeners(evt === undefined ? undefined : String(evt)));
    n.setServices = api('NRF.setServices', (data: unknown, options?: unknown) => nrf.setServices(data, options));
    n.updateServices = api('NRF.updateServices', (data: unknown) => nrf.updateServices(data));
    n.setAdvertising = api('NRF.setAdvertising', (data: unknown, options?: unknown) => nrf.setAdvertising(data, options));
    n.setScanResponse = api('NRF.setScanResponse', (data: unknown) => nrf.setScanResponse(data));
    n.getAddress = api('NRF.getAddress', () => nrf.getAddress());
    n.getBattery = api('NRF.getBattery', () => nrf.getBattery());
    n.setConnectionInterval = api('NRF.setConnectionInterval', (v: unknown) => nrf.setConnectionInterval(v));
    n.disconnect = api('NRF.disconnect', () => nrf.disconnect());
    n.getSecurityStatus = api('NRF.getSecurityStatus', () => R.JSON.parse(JSON.stringify(nrf.securityStatus())));
    return n;
  }

  private makeSerial(name: SerialName): Record<string, unknown> {
    const api = this.host.api.bind(this.host);
    const s = this.host.R.mkObject();
    Object.defineProperty(s, '_name', { value: name, enumerable: false });
    const events = (): Emitter => this.eventsOf(name);
    s.setup = api(`${name}.setup`, (baud?: unknown, options?: unknown): void => {
      if (name === 'Serial1') {
        const b = baud === undefined ? 9600 : Number(baud);
        if (!(b >= 300 && b <= 1_000_000)) throw new Error(`Serial1.setup: baud ${String(baud)} out of range`);
        const o = (options ?? {}) as { rx?: unknown; tx?: unknown };
        if (o.rx !== undefined) pinOf(o.rx);
        if (o.tx !== undefined) pinOf(o.tx);
        this.baud = b;
      }
    });
    const write = (data: unknown): void => this.send(name, toBytes(data, `${name}.write data`));
    s.write = api(`${name}.write`, (...args: unknown[]): void => write(args.length === 1 ? args[0] : args));
    s.print = api(`${name}.print`, (v: unknown): void => write(printText(v)));
    s.println = api(`${name}.println`, (v: unknown): void => write(`${printText(v)}\r\n`));
    s.on = api(`${name}.on`, (evt: unknown, fn: unknown) => events().on(String(evt), fn as Listener));
    s.removeListener = api(`${name}.removeListener`, (evt: unknown, fn: unknown) => events().removeListener(String(evt), fn as Listener));
    s.removeAllListeners = api(`${name}.removeAllListeners`, (evt?: unknown) => events().removeAllListeners(evt === undefined ? undefined : String(evt)));
    s.emit = api(`${name}.emit`, (evt: unknown, ...args: unknown[]) => {
      for (const fn of events().get(String(evt))) fn(...args);
    });
    for (const u of ['available', 'read', 'pipe', 'inject', 'flush', 'getConsole', 'setConsole', 'unsetup', 'isConnected']) {
      s[u] = this.host.unimplemented(`${name}.${u}`);
    }
    return s;
  }
}
