/**
 * Bluetooth LE transport over @abandonware/noble. noble is loaded lazily (only when BLE is used);
 * where the machine has no Bluetooth (no HCI socket: EAFNOSUPPORT, no adapter, no permission) the
 * user gets one line saying so. Tests inject a fake radio through noble's own seam:
 * `require('@abandonware/noble/with-bindings')(bindings)` (see fake-radio.ts).
 *
 * One BleCentral (one noble instance) serves several BleTransports at once (left and right boards).
 * A link lost without close() is retried with exponential backoff; on success the transport
 * rediscovers, resubscribes and emits 'link-restored' so the session can resume streaming. The
 * samples missed meanwhile show up as an index gap in the pipeline, with its exact size.
 */
import { createRequire } from 'node:module';
import { UUID_DEVICE_INFO_SERVICE, UUID_SOFTWARE_REVISION } from '../../protocol/index.ts';
import { reconnectLink } from './backoff.ts';
import { nowMs, TransportError, TransportStreams, type Transport } from './transport.ts';

/** GATT UUIDs in noble's form (lowercase hex, no dashes). */
export interface BleUuids {
  service: string;
  /** Sample frames, notify. */
  data: string;
  /** Commands, write. */
  control: string;
  /** Responses and device events, notify. */
  response: string;
}

/** The subset of noble we use, typed locally (noble's own typings are looser than our strict mode). */
export interface NobleLike {
  state: string;
  on(event: 'stateChange', cb: (state: string) => void): void;
  on(event: 'discover', cb: (p: NoblePeripheral) => void): void;
  on(event: 'warning', cb: (msg: string) => void): void;
  removeListener(event: string, cb: (...args: never[]) => void): void;
  startScanning(uuids: string[], allowDuplicates: boolean, cb?: (err: Error | null) => void): void;
  stopScanning(cb?: () => void): void;
}

export interface NoblePeripheral {
  id: string;
  address: string;
  rssi: number;
  mtu: number | null;
  state: string;
  advertisement: { localName?: string; serviceUuids?: string[] };
  connect(cb: (err?: Error | null) => void): void;
  disconnect(cb?: () => void): void;
  discoverSomeServicesAndCharacteristics(
    services: string[],
    chars: string[],
    cb: (err: Error | string | null, services: unknown[], chars: NobleCharacteristic[]) => void,
  ): void;
  once(event: 'disconnect', cb: (reason?: unknown) => void): void;
  on(event: 'disconnect', cb: (reason?: unknown) => void): void;
  removeListener(event: string, cb: (...args: never[]) => void): void;
}

export interface NobleCharacteristic {
  uuid: string;
  read?(cb: (err: Error | null, data: Buffer) => void): void;
  on(event: 'data', cb: (data: Buffer, isNotification: boolean) => void): void;
  removeAllListeners(event?: string): void;
  subscribe(cb: (err?: Error | null) => void): void;
  write(data: Buffer, withoutResponse: boolean, cb: (err?: Error | null) => void): void;
}

/** One board found by a scan. */
export interface BleBoardInfo {
  /** noble's peripheral id (the address without colons on Linux). */
  id: string;
  address: string;
  name: string;
  /** Received signal strength, dBm. */
  rssi: number;
}

const require = createRequire(import.meta.url);

/**
 * Loads noble with the platform's bindings, or with `bindings` when given (tests). Throws a
 * TransportError with one clear line when the machine has no usable Bluetooth.
 */
export function loadNoble(bindings?: unknown): NobleLike {
  if (bindings !== undefined) return require('@abandonware/noble/with-bindings')(bindings) as NobleLike;
  try {
    return require('@abandonware/noble') as NobleLike;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const msg = (err.message ?? String(e)).split('\n')[0] ?? '';
    if (err.code === 'EAFNOSUPPORT') throw new BluetoothUnavailableError('no-hci', 'Bluetooth is not available: this machine has no Bluetooth HCI socket support (EAFNOSUPPORT)');
    if (/\.node'|bluetooth_hci_socket|binding/i.test(msg) && /Cannot find module|Could not locate the bindings file|No native build/i.test(msg)) {
      throw new BluetoothUnavailableError('no-binding', `Bluetooth is not available: the Bluetooth binding is not built (${msg})`);
    }
    throw new BluetoothUnavailableError('noble', `Bluetooth is not available: noble could not start (${msg})`);
  }
}

/**
 * No usable Bluetooth on this machine: 'no-binding' (the native HCI-socket binding was never built),
 * 'no-hci' (the kernel has no Bluetooth sockets), 'noble' (noble failed otherwise), 'adapter' (the
 * adapter is off, missing or not permitted). The CLI adds what to run (tripod doctor).
 */
export class BluetoothUnavailableError extends TransportError {
  constructor(
    readonly reason: 'no-binding' | 'no-hci' | 'noble' | 'adapter',
    message: string,
  ) {
    super(message);
    Object.defineProperty(this, 'name', { value: 'BluetoothUnavailableError' });
  }
}

export interface BleCentralOptions {
  /** How long to wait for the adapter to report poweredOn, ms. Defaults to 5000. */
  powerOnTimeoutMs?: number;
}

/** Owns one noble instance: power-on, scanning, and the peripherals found. */
export class BleCentral {
  private readonly seen = new Map<string, NoblePeripheral>();

  constructor(
    readonly noble: NobleLike,
    readonly uuids: BleUuids,
    private readonly opts: BleCentralOptions = {},
  ) {
    noble.on('warning', () => {}); // noble prints warnings with console.warn unless someone listens
  }

  /** Resolves once the adapter is poweredOn; rejects with one line naming the state otherwise. */
  async poweredOn(): Promise<void> {
    if (this.noble.state === 'poweredOn') return;
    const timeoutMs = this.opts.powerOnTimeoutMs ?? 5000;
    await new Promise<void>((resolve, reject) => {
      const onState = (state: string): void => {
        if (state === 'poweredOn') {
          clearTimeout(timer);
          this.noble.removeListener('stateChange', onState as never);
          resolve();
        } else if (state === 'unsupported' || state === 'unauthorized') {
          clearTimeout(timer);
          this.noble.removeListener('stateChange', onState as never);
          reject(new BluetoothUnavailableError('adapter', `Bluetooth adapter is ${state}; check the adapter and its permissions`));
        }
      };
      const timer = setTimeout(() => {
        this.noble.removeListener('stateChange', onState as never);
        reject(new TransportError(`Bluetooth adapter did not power on within ${timeoutMs} ms (state ${this.noble.state}); is it enabled?`));
      }, timeoutMs);
      this.noble.on('stateChange', onState); // registering this listener makes noble init its bindings
    });
  }

  /**
   * Scans for Tripod boards (by service UUID) for `durationMs`, or until `stopWhen` returns true.
   * `discover` is registered before scanning starts so no advertisement is missed.
   */
  async scan(durationMs: number, stopWhen?: (b: BleBoardInfo) => boolean, onFound?: (b: BleBoardInfo) => void): Promise<BleBoardInfo[]> {
    await this.poweredOn();
    const found = new Map<string, BleBoardInfo>();
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.noble.removeListener('discover', onDiscover as never);
        this.noble.stopScanning();
        resolve();
      };
      const onDiscover = (p: NoblePeripheral): void => {
        this.seen.set(p.id, p);
        const info: BleBoardInfo = { id: p.id, address: p.address, name: p.advertisement.localName ?? '', rssi: p.rssi };
        const isNew = !found.has(p.id);
        found.set(p.id, info);
        if (isNew) onFound?.(info);
        if (stopWhen?.(info)) finish();
      };
      const timer = setTimeout(finish, durationMs);
      this.noble.on('discover', onDiscover);
      this.noble.startScanning([this.uuids.service], false, (err) => {
        if (err) {
          done = true;
          clearTimeout(timer);
          this.noble.removeListener('discover', onDiscover as never);
          reject(new TransportError(`Bluetooth scan failed: ${err.message}`));
        }
      });
    });
    return [...found.values()].sort((a, b) => b.rssi - a.rssi);
  }

  /** Finds the board matching `idOrName` (id, address or advertised name; any Tripod board if undefined). */
  async find(idOrName: string | undefined, timeoutMs: number): Promise<NoblePeripheral> {
    const wanted = idOrName?.toLowerCase();
    const matches = (b: BleBoardInfo): boolean =>
      wanted === undefined || b.id.toLowerCase() === wanted || b.address.toLowerCase() === wanted || b.name.toLowerCase() === wanted ||
      b.id.toLowerCase() === wanted.replace(/:/g, '');
    const list = await this.scan(timeoutMs, matches);
    const hit = list.find(matches);
    const p = hit ? this.seen.get(hit.id) : undefined;
    if (!p) {
      const what = idOrName === undefined ? 'no Tripod board found' : `no Tripod board '${idOrName}' found`;
      const others = list.length ? ` (found: ${list.map((b) => b.name || b.id).join(', ')})` : '';
      throw new TransportError(`${what} within ${Math.round(timeoutMs / 1000)} s of scanning${others}; is it powered and advertising?`);
    }
    return p;
  }
}

export interface BleTransportOptions {
  /** Board id, address or advertised name; undefined = the first Tripod board found. */
  target?: string;
  /** Scan time to find the board, ms. Defaults to 10000. */
  scanTimeoutMs?: number;
  /** Reconnect backoff: first delay, ms (default 250), doubling up to reconnectMaxMs (default 5000). */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** Give up after this many failed reconnect attempts (default 20; 0 disables reconnecting). */
  reconnectAttempts?: number;
}

export class BleTransport extends TransportStreams implements Transport {
  readonly kind = 'ble' as const;
  private peripheral: NoblePeripheral | null = null;
  private controlChar: NobleCharacteristic | null = null;
  private closing = false;
  /** True between a completed connect+subscribe and the next disconnect. */
  private linkUp = false;
  private name = '';
  /** Negotiated ATT MTU, bytes (payload = mtu - 3); null until the exchange completes. */
  get mtu(): number | null {
    return this.peripheral?.mtu ?? null;
  }

  constructor(
    private readonly central: BleCentral,
    private readonly opts: BleTransportOptions = {},
  ) {
    super();
  }

  get description(): string {
    const p = this.peripheral;
    return p ? `BLE ${this.name || p.id} (${p.address})` : `BLE ${this.opts.target ?? '(first board found)'}`;
  }

  async open(): Promise<void> {
    if (this.state$.value !== 'idle') throw new TransportError(`BLE transport already ${this.state$.value}`);
    this.state$.next('connecting');
    try {
      const p = await this.central.find(this.opts.target, this.opts.scanTimeoutMs ?? 10_000);
      this.peripheral = p;
      this.name = p.advertisement.localName ?? '';
      p.on('disconnect', (reason) => this.onDisconnect(reason));
      await this.connectOnce(p);
    } catch (e) {
      this.state$.next('closed');
      throw e;
    }
    this.state$.next('connected');
  }

  async send(bytes: Uint8Array): Promise<void> {
    const c = this.controlChar;
    if (!c || this.state$.value !== 'connected') throw new TransportError(`cannot send: BLE link is ${this.state$.value}`, true);
    await new Promise<void>((resolve, reject) =>
      c.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), false, (err) =>
        err ? reject(new TransportError(`BLE write failed: ${err.message}`)) : resolve(),
      ),
    );
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const p = this.peripheral;
    if (p && p.state === 'connected') await new Promise<void>((resolve) => p.disconnect(() => resolve()));
    this.state$.next('closed');
    this.messages$.complete();
    this.link$.complete();
  }

  /** Reads Device Information / Software Revision (2a28) on the connected board; null when absent. */
  async deviceSoftware(): Promise<string | null> {
    const p = this.peripheral;
    if (!p || p.state !== 'connected') return null;
    try {
      const chars = await withTimeout(new Promise<NobleCharacteristic[]>((resolve, reject) =>
        p.discoverSomeServicesAndCharacteristics([UUID_DEVICE_INFO_SERVICE], [UUID_SOFTWARE_REVISION], (err, _s, c) => (err ? reject(new TransportError(String(err))) : resolve(c))),
      ), 'device information discovery');
      const c = chars.find((x) => x.uuid === UUID_SOFTWARE_REVISION);
      const read = c?.read?.bind(c);
      if (!read) return null;
      const data = await withTimeout(new Promise<Buffer>((resolve, reject) => read((err, d) => (err ? reject(err) : resolve(d)))), 'device information read');
      return data.toString('utf8');
    } catch {
      return null;
    }
  }

  private async connectOnce(p: NoblePeripheral): Promise<void> {
    await withTimeout(new Promise<void>((resolve, reject) => p.connect((err) => (err ? reject(new TransportError(`BLE connect to ${p.id} failed: ${err.message}`)) : resolve()))), 'connect');
    const u = this.central.uuids;
    const chars = await withTimeout(new Promise<NobleCharacteristic[]>((resolve, reject) =>
      p.discoverSomeServicesAndCharacteristics([u.service], [u.data, u.control, u.response], (err, _s, c) =>
        err ? reject(new TransportError(`BLE board ${p.id} lacks the Tripod service (${String(err)})`)) : resolve(c),
      ),
    ), 'service discovery');
    const byUuid = (uuid: string): NobleCharacteristic => {
      const c = chars.find((x) => x.uuid === uuid);
      if (!c) throw new TransportError(`BLE board ${p.id} lacks Tripod characteristic ${uuid}; is the firmware up to date?`);
      return c;
    };
    const data = byUuid(u.data);
    const response = byUuid(u.response);
    this.controlChar = byUuid(u.control);
    data.removeAllListeners('data');
    response.removeAllListeners('data');
    // The transport callback only copies and forwards: nothing here may block the radio.
    data.on('data', (buf) => this.messages$.next({ channel: 'data', bytes: new Uint8Array(buf), hostTimeMs: nowMs() }));
    response.on('data', (buf) => this.messages$.next({ channel: 'control', bytes: new Uint8Array(buf), hostTimeMs: nowMs() }));
    await withTimeout(new Promise<void>((resolve, reject) => response.subscribe((err) => (err ? reject(new TransportError(`BLE subscribe failed: ${err.message}`)) : resolve()))), 'subscribe');
    await withTimeout(new Promise<void>((resolve, reject) => data.subscribe((err) => (err ? reject(new TransportError(`BLE subscribe failed: ${err.message}`)) : resolve()))), 'subscribe');
    if (p.state !== 'connected') throw new TransportError(`BLE board ${p.id} disconnected during setup`, true);
    this.linkUp = true;
  }

  private onDisconnect(reason: unknown): void {
    if (this.closing || !this.linkUp) return;
    this.linkUp = false;
    this.controlChar = null;
    this.link$.next({ type: 'link-lost', hostTimeMs: nowMs(), reason: `BLE disconnected${reason !== undefined ? ` (reason ${String(reason)})` : ''}` });
    this.state$.next('reconnecting');
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const p = this.peripheral;
    const maxAttempts = this.opts.reconnectAttempts ?? 20;
    const again = {
      attempts: p ? maxAttempts : 0,
      initialMs: this.opts.reconnectInitialMs ?? 250,
      maxMs: this.opts.reconnectMaxMs ?? 5000,
      stopped: () => this.closing,
      attempt: () => this.connectOnce(p!),
      onFailure: async () => {
        if (p!.state === 'connected') await new Promise<void>((res) => p!.disconnect(() => res()));
      },
    };
    await reconnectLink(this, again, () => {
      this.state$.next('closed');
      this.link$.next({ type: 'link-lost', hostTimeMs: nowMs(), reason: `gave up reconnecting after ${maxAttempts} attempts` });
      this.messages$.complete();
      this.link$.complete();
    });
  }
}

/** Setup steps that never call back (a board that vanished mid-setup) fail after this long, ms. */
const SETUP_STEP_TIMEOUT_MS = 10_000;

function withTimeout<T>(p: Promise<T>, step: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransportError(`BLE ${step} did not complete within ${SETUP_STEP_TIMEOUT_MS / 1000} s`)), SETUP_STEP_TIMEOUT_MS);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
