import { CentralLink } from './central-link.ts';
import type { VirtualClock } from './clock.ts';
import { BleError, buildAdvertising, NRF_ERROR_DATA_SIZE, normUuid, parseScanResponse, type AdvertisingRecord } from './nrf-advertising.ts';

export { CentralLink } from './central-link.ts';
export { BleError, normUuid, type AdvertisingRecord } from './nrf-advertising.ts';

/**
 * The nRF52 radio as Espruino drives it, and the central (phone, PC) on the other side.
 * Behaviour taken from Espruino's jswrap_bluetooth.c and the Nordic SoftDevice API:
 * - `NRF.setServices` declares characteristics once; `maxLen` defaults to the initial value's
 *   length. While connected, a change is queued until the link closes ("BLE Connected, queueing
 *   BLE restart for later") and `updateServices` throws "Can't update services until BLE restart".
 * - `NRF.updateServices`: sd_ble_gatts_value_set, then sd_ble_gatts_hvx when `notify`/`indicate`
 *   is asked for and a central is connected. Espruino ignores NRF_ERROR_INVALID_STATE (notifications
 *   not enabled by the central), NRF_ERROR_RESOURCES (transmit queue full: the notification is
 *   DROPPED SILENTLY) and BLE_ERROR_GATTS_SYS_ATTR_MISSING; any other error throws. A value longer
 *   than maxLen, or a notification longer than MTU-3, throws DATA_SIZE.
 * - Transmit queue: the SoftDevice's per-link HVN TX queue, BLE_GATTS_HVN_TX_QUEUE_SIZE_DEFAULT = 1
 *   entry (Espruino does not raise it that we know of); one packet leaves per connection event
 *   (firmware/ESPRUINO.md: "one packet per connection event"). Both are options.
 * - The Nordic UART (`Bluetooth` serial) shares that queue; its own buffer is 128 bytes and
 *   `Bluetooth.write` blocks JavaScript while it is full.
 * - MTU: 23 until the central asks for more; these boards accept up to 53.
 * - Connection interval: the central decides. Unless the central forces one, the firmware's
 *   `NRF.setConnectionInterval(ms)` is accepted; otherwise Espruino's automatic mode gives 7.5 ms
 *   while busy and 200 ms once idle for over a minute (Espruino's setConnectionInterval docs).
 */

export const DEFAULT_MTU = 23;
export const BOARD_MAX_MTU = 53;
export const HVN_TX_QUEUE_SIZE_DEFAULT = 1;
export const PACKETS_PER_CONNECTION_EVENT = 1;
export const NUS_BUFFER_BYTES = 128;
export const AUTO_BUSY_INTERVAL_MS = 7.5;
export const AUTO_IDLE_INTERVAL_MS = 200;
/** Seconds without BLE traffic before automatic mode relaxes to 200 ms (Espruino's NRF.setConnectionInterval docs: "idle for over a minute"). */
export const AUTO_IDLE_S = 60;
/** Link supervision timeout for injected link loss, s (the central's choice; 2 s is typical). */
export const DEFAULT_SUPERVISION_TIMEOUT_S = 2;
export const NUS_SERVICE = '6e400001-b5a3-f393-e0a9-e50e24dcca9e';
export const NUS_RX = '6e400002-b5a3-f393-e0a9-e50e24dcca9e';
export const NUS_TX = '6e400003-b5a3-f393-e0a9-e50e24dcca9e';
/** HCI disconnect reasons Espruino reports. */
export const REASON_REMOTE_USER_TERMINATED = 19;
export const REASON_LOCAL_HOST_TERMINATED = 22;
export const REASON_CONNECTION_TIMEOUT = 8;

export interface CharDef {
  service: string;
  uuid: string;
  value: Uint8Array;
  maxLen: number;
  readable: boolean;
  writable: boolean;
  notify: boolean;
  indicate: boolean;
  /** The firmware's onWrite, opaque here. */
  onWrite: unknown;
}

export interface NrfStats {
  notificationsQueued: number;
  /** updateServices notifications dropped because the transmit queue was full (silent on the device). */
  notificationsDropped: number;
  notificationsDelivered: number;
  /** updateServices with notify while the central had not subscribed (ignored on the device). */
  notificationsUnsubscribed: number;
  connectionEvents: number;
  uartBytesSent: number;
}

/** What the model asks of the runtime. */
export interface NrfHooks {
  /** Run firmware work in the idle loop at time t (an NRF event, onWrite, UART data). */
  emitNrf(t: number, event: string, args: unknown[]): void;
  callOnWrite(t: number, fn: unknown, data: Uint8Array): void;
  uartRx(t: number, data: Uint8Array): void;
  print(text: string): void;
  /** A central connected or left: the console follows (Espruino moves the REPL to Bluetooth). */
  linkChanged(connected: boolean): void;
}

export interface ConnectOptions {
  /** MTU the central asks for. Defaults to 23 (no exchange). */
  mtu?: number;
  /** Connection interval the central imposes, ms; otherwise the peripheral's request is accepted. */
  intervalMs?: number;
  /** The central's address as the board reports it. Defaults to 'aa:bb:cc:dd:ee:ff public'. */
  address?: string;
  /** Supervision timeout used when a link loss is injected, s. Defaults to 2. */
  supervisionTimeoutS?: number;
}

export interface NrfOptions {
  address: string;
  defaultName: string;
  maxMtu?: number;
  txQueueSize?: number;
  packetsPerEvent?: number;
  batteryVolts: number;
}

interface Connection {
  link: CentralLink;
  mtu: number;
  requestedMtu: number;
  forcedIntervalMs: number | undefined;
  intervalS: number;
  anchor: number;
  subscribed: Set<string>;
  queue: Array<{ char: string; bytes: Uint8Array }>;
  nus: number[];
  writes: Array<{ char: CharDef; bytes: Uint8Array }>;
  lost: boolean;
  eventScheduled: boolean;
  lastActivity: number;
}

export class NrfModel {
  readonly stats: NrfStats = {
    notificationsQueued: 0, notificationsDropped: 0, notificationsDelivered: 0, notificationsUnsubscribed: 0,
    connectionEvents: 0, uartBytesSent: 0,
  };
  private chars = new Map<string, CharDef>();
  private uart = true;
  private advertiseUuids: string[] = [];
  private pendingServices: { data: unknown; options: unknown } | null = null;
  private adv: AdvertisingRecord;
  private requestedIntervalMs: number | 'auto' = 'auto';
  private conn: Connection | null = null;
  readonly maxMtu: number;
  readonly txQueueSize: number;
  readonly packetsPerEvent: number;

  constructor(
    private readonly clock: VirtualClock,
    private readonly opts: NrfOptions,
    private readonly hooks: NrfHooks,
    private readonly toBytes: (v: unknown, what: string) => Uint8Array,
  ) {
    this.maxMtu = opts.maxMtu ?? BOARD_MAX_MTU;
    this.txQueueSize = opts.txQueueSize ?? HVN_TX_QUEUE_SIZE_DEFAULT;
    this.packetsPerEvent = opts.packetsPerEvent ?? PACKETS_PER_CONNECTION_EVENT;
    this.adv = this.advertisingRecord(undefined, undefined);
  }

  get connected(): boolean {
    return this.conn !== null && !this.conn.lost;
  }

  get uartEnabled(): boolean {
    return this.uart;
  }

  get mtu(): number {
    return this.conn?.mtu ?? DEFAULT_MTU;
  }

  get intervalMs(): number | undefined {
    return this.conn ? this.conn.intervalS * 1000 : undefined;
  }

  /** @internal the interval that applies now (automatic mode re-evaluated) */
  currentIntervalMs(): number | undefined {
    return this.conn ? this.intervalFor(this.conn) : undefined;
  }

  characteristic(uuid: string): CharDef | undefined {
    return this.chars.get(normUuid(uuid));
  }

  // ---------------- firmware side ----------------

  setServices(data: unknown, options: unknown): void {
    if (!(data === undefined || (typeof data === 'object' && data !== null))) throw new TypeError(`Expecting object or undefined, got ${typeof data}`);
    if (this.conn) {
      this.pendingServices = { data, options };
      this.hooks.print('BLE Connected, queueing BLE restart for later\r\n');
      return;
    }
    this.applyServices(data, options);
  }

  private applyServices(data: unknown, options: unknown): void {
    const o = (options ?? {}) as { uart?: unknown; advertise?: unknown };
    const chars = new Map<string, CharDef>();
    if (data) {
      for (const [sKey, sVal] of Object.entries(data as Record<string, unknown>)) {
        const service = normUuid(sKey, true);
        for (const [cKey, cVal] of Object.entries((sVal ?? {}) as Record<string, unknown>)) {
          const uuid = normUuid(cKey, true);
          const c = (cVal ?? {}) as Record<string, unknown>;
          const value = c.value === undefined ? new Uint8Array(0) : this.toBytes(c.value, `value of characteristic ${uuid}`);
          const maxLen = c.maxLen === undefined ? Math.max(1, value.length) : Number(c.maxLen);
          if (!(maxLen >= 1 && maxLen <= 512)) throw new Error(`maxLen of characteristic ${uuid} is ${String(c.maxLen)}; expected 1..512`);
          if (value.length > maxLen) throw new BleError(NRF_ERROR_DATA_SIZE, 'DATA_SIZE', `initial value of ${uuid} is ${value.length} bytes, maxLen ${maxLen}`);
          chars.set(uuid, {
            service, uuid, value, maxLen,
            readable: !!c.readable, writable: !!c.writable, notify: !!c.notify, indicate: !!c.indicate,
            onWrite: c.onWrite,
          });
        }
      }
    }
    this.uart = o.uart === undefined ? true : !!o.uart;
    this.advertiseUuids = Array.isArray(o.advertise) ? o.advertise.map((u: unknown) => normUuid(u)) : [];
    this.chars = chars;
    this.adv = this.advertisingRecord(this.advData, this.advOptions);
  }

  updateServices(data: unknown): void {
    if (this.pendingServices) throw new Error("Can't update services until BLE restart");
    if (data === undefined) return;
    if (typeof data !== 'object' || data === null) throw new TypeError(`Expecting object or undefined, got ${typeof data}`);
    for (const [, sVal] of Object.entries(data as Record<string, unknown>)) {
      for (const [cKey, cVal] of Object.entries((sVal ?? {}) as Record<string, unknown>)) {
        const uuid = normUuid(cKey, true);
        const ch = this.chars.get(uuid);
        if (!ch) throw new Error(`Unable to find service with UUID ${uuid}`);
        const c = (cVal ?? {}) as Record<string, unknown>;
        if (c.value === undefined) continue;
        const bytes = this.toBytes(c.value, `value of characteristic ${uuid}`);
        if (bytes.length === 0) continue;
        if (bytes.length > ch.maxLen) throw new BleError(NRF_ERROR_DATA_SIZE, 'DATA_SIZE', `value of ${uuid} is ${bytes.length} bytes, maxLen ${ch.maxLen}`);
        ch.value = bytes.slice();
        const wants = !!c.notify || !!c.indicate;
        if (!wants || !this.conn) continue;
        const conn = this.conn;
        conn.lastActivity = this.clock.now;
        if (!(ch.notify || ch.indicate) || !conn.subscribed.has(uuid)) {
          this.stats.notificationsUnsubscribed++;
          continue;
        }
        if (bytes.length > conn.mtu - 3) throw new BleError(NRF_ERROR_DATA_SIZE, 'DATA_SIZE', `notification of ${bytes.length} bytes on ${uuid} exceeds MTU ${conn.mtu} - 3`);
        if (conn.queue.length >= this.txQueueSize) {
          this.stats.notificationsDropped++;
          continue;
        }
        conn.queue.push({ char: uuid, bytes: bytes.slice() });
        this.stats.notificationsQueued++;
        this.scheduleConnEvent();
      }
    }
  }

  private advData: unknown = undefined;
  private advOptions: unknown = undefined;

  private advertisingRecord(data: unknown, options: unknown): AdvertisingRecord {
    return buildAdvertising(data, options, this.adv as AdvertisingRecord | undefined, this.opts.defaultName, this.advertiseUuids, this.toBytes);
  }

  setAdvertising(data: unknown, options: unknown): void {
    const rec = this.advertisingRecord(data, options);
    this.advData = data;
    this.advOptions = options;
    this.adv = rec;
  }

  /** Raw scan response bytes (AD structures); service UUID lists and names in it are decoded for scans. */
  setScanResponse(data: unknown): void {
    this.scanResponse = parseScanResponse(this.toBytes(data, 'scan response'));
  }

  private scanResponse: { uuids: string[]; name: string | undefined; bytes: number } | null = null;

  setConnectionInterval(v: unknown): void {
    if (v === 'auto') this.requestedIntervalMs = 'auto';
    else if (typeof v === 'number') this.requestedIntervalMs = v;
    else if (v && typeof v === 'object') {
      const o = v as { minInterval?: unknown; maxInterval?: unknown };
      this.requestedIntervalMs = Number(o.minInterval ?? o.maxInterval);
    } else throw new TypeError(`NRF.setConnectionInterval expects 'auto', a number of ms or {minInterval, maxInterval}; got ${String(v)}`);
    if (typeof this.requestedIntervalMs === 'number' && !(this.requestedIntervalMs >= 7.5 && this.requestedIntervalMs <= 4000)) {
      throw new Error(`NRF.setConnectionInterval: ${this.requestedIntervalMs} ms is outside 7.5..4000 ms`);
    }
    if (this.conn) this.conn.intervalS = this.intervalFor(this.conn) / 1000;
  }

  private intervalFor(c: Connection): number {
    if (c.forcedIntervalMs !== undefined) return c.forcedIntervalMs;
    if (this.requestedIntervalMs !== 'auto') return this.requestedIntervalMs;
    return this.clock.now - c.lastActivity > AUTO_IDLE_S ? AUTO_IDLE_INTERVAL_MS : AUTO_BUSY_INTERVAL_MS;
  }

  getAddress(): string {
    return this.opts.address;
  }

  getBattery(): number {
    return this.opts.batteryVolts;
  }

  disconnect(): void {
    if (this.conn && !this.conn.lost) this.closeLink(REASON_LOCAL_HOST_TERMINATED, this.clock.now);
  }

  securityStatus(): Record<string, unknown> {
    return this.conn && !this.conn.lost
      ? { connected: true, encrypted: false, mitm_protected: false, bonded: false, connected_addr: this.conn.link.address }
      : { connected: false };
  }

  /** Bytes free in the Nordic UART transmit buffer. */
  uartFree(): number {
    return this.conn && this.uart ? NUS_BUFFER_BYTES - this.conn.nus.length : NUS_BUFFER_BYTES;
  }

  /**
   * `Bluetooth.write`: appends to the 128-byte buffer. While it is full the interpreter blocks, so
   * the clock runs to the next connection events until the bytes fit. Without a connection (or
   * with the UART removed) the bytes go nowhere.
   */
  uartWrite(bytes: Uint8Array): void {
    const c = this.conn;
    if (!c || c.lost || !this.uart) return;
    c.lastActivity = this.clock.now;
    for (let i = 0; i < bytes.length; i++) {
      while (c.nus.length >= NUS_BUFFER_BYTES) {
        if (this.conn !== c || c.lost || !c.subscribed.has(NUS_TX)) return;
        this.scheduleConnEvent();
        const t = this.clock.hw.peekTime();
        if (t === Infinity) return;
        this.clock.now = Math.max(this.clock.now, t);
        this.clock.flushHardware(this.clock.now);
      }
      c.nus.push(bytes[i]!);
    }
    this.fillFromUart(c);
    this.scheduleConnEvent();
  }

  private fillFromUart(c: Connection): void {
    while (c.nus.length > 0 && c.queue.length < this.txQueueSize && c.subscribed.has(NUS_TX)) {
      const n = Math.min(c.mtu - 3, c.nus.length);
      c.queue.push({ char: NUS_TX, bytes: Uint8Array.from(c.nus.splice(0, n)) });
      this.stats.uartBytesSent += n;
    }
  }

  // ---------------- connection events ----------------

  private scheduleConnEvent(): void {
    const c = this.conn;
    if (!c || c.eventScheduled || c.lost) return;
    if (c.queue.length === 0 && c.writes.length === 0 && (c.nus.length === 0 || !c.subscribed.has(NUS_TX))) return;
    c.eventScheduled = true;
    const now = this.clock.now;
    const k = Math.floor((now - c.anchor) / c.intervalS) + 1;
    const t = c.anchor + k * c.intervalS;
    this.clock.hw.push(t, () => this.connectionEvent(c, t));
  }

  private connectionEvent(c: Connection, t: number): void {
    c.eventScheduled = false;
    if (this.conn !== c || c.lost) return;
    this.stats.connectionEvents++;
    // re-anchor if the interval changed since the last event
    const interval = this.intervalFor(c) / 1000;
    if (interval !== c.intervalS) {
      c.intervalS = interval;
      c.anchor = t;
    }
    for (const w of c.writes.splice(0)) {
      if (w.char.uuid === NUS_RX) this.hooks.uartRx(t, w.bytes);
      else if (w.char.onWrite) this.hooks.callOnWrite(t, w.char.onWrite, w.bytes);
    }
    for (let p = 0; p < this.packetsPerEvent && c.queue.length > 0; p++) {
      const pkt = c.queue.shift()!;
      this.stats.notificationsDelivered++;
      c.link.deliver(pkt.char, pkt.bytes);
      if (this.conn !== c) return;
      this.fillFromUart(c);
    }
    this.fillFromUart(c);
    this.scheduleConnEvent();
  }

  // ---------------- central side ----------------

  connect(opts: ConnectOptions = {}): CentralLink {
    if (this.conn) throw new Error('the emulated board already has a central connected (one peripheral link, as on Espruino)');
    if (!this.adv.connectable) throw new Error('the board advertises as not connectable');
    const now = this.clock.now;
    const link = new CentralLink(this, opts.address ?? 'aa:bb:cc:dd:ee:ff public', opts.supervisionTimeoutS ?? DEFAULT_SUPERVISION_TIMEOUT_S);
    const c: Connection = {
      link, mtu: DEFAULT_MTU, requestedMtu: opts.mtu ?? DEFAULT_MTU, forcedIntervalMs: opts.intervalMs,
      intervalS: 0, anchor: now, subscribed: new Set(), queue: [], nus: [], writes: [], lost: false,
      eventScheduled: false, lastActivity: now,
    };
    c.intervalS = this.intervalFor(c) / 1000;
    this.conn = c;
    this.hooks.emitNrf(now, 'connect', [link.address]);
    this.hooks.linkChanged(true);
    if (c.requestedMtu > DEFAULT_MTU) {
      const t = now + c.intervalS;
      this.clock.hw.push(t, () => {
        if (this.conn !== c || c.lost) return;
        c.mtu = Math.min(c.requestedMtu, this.maxMtu);
        link.mtu = c.mtu;
        this.hooks.emitNrf(t, 'mtu', [c.mtu]);
      });
    }
    return link;
  }

  /** @internal central API */
  subscribe(link: CentralLink, uuid: string, on: boolean): void {
    const c = this.liveConn(link);
    const u = normUuid(uuid);
    const isNus = this.uart && (u === NUS_TX);
    const ch = this.chars.get(u);
    if (!isNus && (!ch || !(ch.notify || ch.indicate))) throw new Error(`characteristic ${u} does not exist or does not notify`);
    if (on) c.subscribed.add(u);
    else c.subscribed.delete(u);
    if (isNus) this.fillFromUart(c);
    this.scheduleConnEvent();
  }

  /** @internal central API */
  centralWrite(link: CentralLink, uuid: string, bytes: Uint8Array): void {
    const c = this.liveConn(link);
    const u = normUuid(uuid);
    if (u === NUS_RX && this.uart) {
      if (bytes.length > c.mtu - 3) throw new Error(`write of ${bytes.length} bytes exceeds MTU ${c.mtu} - 3`);
      c.writes.push({ char: { service: NUS_SERVICE, uuid: NUS_RX } as CharDef, bytes: bytes.slice() });
    } else {
      const ch = this.chars.get(u);
      if (!ch) throw new Error(`characteristic ${u} does not exist on the board`);
      if (!ch.writable) throw new Error(`characteristic ${u} is not writable (ATT error: Write Not Permitted)`);
      if (bytes.length > ch.maxLen) throw new Error(`write of ${bytes.length} bytes to ${u} exceeds its maxLen ${ch.maxLen} (ATT error: Invalid Attribute Value Length)`);
      if (bytes.length > c.mtu - 3) throw new Error(`write of ${bytes.length} bytes exceeds MTU ${c.mtu} - 3`);
      ch.value = bytes.slice();
      c.writes.push({ char: ch, bytes: bytes.slice() });
    }
    c.lastActivity = this.clock.now;
    this.scheduleConnEvent();
  }

  /** @internal central API */
  centralRead(link: CentralLink, uuid: string): Uint8Array {
    this.liveConn(link);
    const u = normUuid(uuid);
    const ch = this.chars.get(u);
    if (!ch) throw new Error(`characteristic ${u} does not exist on the board`);
    if (!ch.readable) throw new Error(`characteristic ${u} is not readable (ATT error: Read Not Permitted)`);
    return ch.value.slice();
  }

  /** @internal central API */
  centralDisconnect(link: CentralLink): void {
    const c = this.liveConn(link);
    this.closeLink(REASON_REMOTE_USER_TERMINATED, this.clock.now, c);
  }

  /** @internal central API: the radio link drops; both sides notice after the supervision timeout. */
  loseLink(link: CentralLink): void {
    const c = this.liveConn(link);
    c.lost = true;
    const t = this.clock.now + link.supervisionTimeoutS;
    this.clock.hw.push(t, () => {
      if (this.conn === c) {
        c.lost = false;
        this.closeLink(REASON_CONNECTION_TIMEOUT, t, c);
      }
    });
  }

  private liveConn(link: CentralLink): Connection {
    const c = this.conn;
    if (!c || c.link !== link || c.lost) throw new Error('the link is not connected');
    return c;
  }

  private closeLink(reason: number, t: number, c: Connection | null = this.conn): void {
    if (!c || this.conn !== c) return;
    this.conn = null;
    c.link.closed(reason);
    this.hooks.emitNrf(t, 'disconnect', [reason]);
    this.hooks.linkChanged(false);
    if (this.pendingServices) {
      const p = this.pendingServices;
      this.pendingServices = null;
      this.applyServices(p.data, p.options);
    }
  }

  advertising(): AdvertisingRecord | null {
    if (this.conn) return null;
    const sr = this.scanResponse;
    const uuids = sr ? [...this.adv.serviceUuids, ...sr.uuids] : this.adv.serviceUuids.slice();
    return { ...this.adv, name: this.adv.name ?? sr?.name, serviceUuids: uuids, scanResponseBytes: sr ? sr.bytes : this.adv.scanResponseBytes };
  }

  /** Services as a central would discover them: service UUID -> characteristic UUIDs. */
  discover(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const ch of this.chars.values()) (out[ch.service] ??= []).push(ch.uuid);
    if (this.uart) out[NUS_SERVICE] = [NUS_RX, NUS_TX];
    return out;
  }

  /** Forgets the link and services (a reboot; the radio restarts). */
  reset(): void {
    const c = this.conn;
    this.conn = null;
    if (c) c.link.closed(REASON_CONNECTION_TIMEOUT);
    this.chars = new Map();
    this.uart = true;
    this.advertiseUuids = [];
    this.pendingServices = null;
    this.scanResponse = null;
    this.advData = undefined;
    this.advOptions = undefined;
    this.adv = this.advertisingRecord(undefined, { name: this.opts.defaultName });
    this.requestedIntervalMs = 'auto';
  }
}
