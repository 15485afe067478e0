/**
 * Serial (USB CDC or UART) transport with serialport: the spec's framing (COBS + CRC-32, 0x00
 * delimiters) both ways. Bytes that are not frames (REPL text before streaming, line noise, a frame
 * cut by a reset) are counted by the deframer and reported as 'rx-errors' link events, never thrown.
 * Received messages are split by kind: KEY/DELTA -> 'data', RESPONSE/EVENT -> 'control'.
 */
import * as fs from 'node:fs';
import { createSerialDeframer, encodeSerialFrame, type SerialDeframer } from '../../protocol/index.ts';
import { reconnectLink } from './backoff.ts';
import { nowMs, serialChannelOf, TransportError, TransportStreams, type Transport } from './transport.ts';

/** How often the device path is checked for disappearance, ms. */
const PATH_WATCH_MS = 250;

export interface SerialTransportOptions {
  path: string;
  /** Defaults to 115200 (ignored by USB CDC). */
  baudRate?: number;
  /** Reopen attempts after the port vanishes (default 20; 0 = end the session). */
  reconnectAttempts?: number;
  /** First reopen delay, ms, doubling to 2 s. Defaults to 250. */
  reconnectInitialMs?: number;
}

interface PortLike {
  open(cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  write(data: Buffer, cb?: (err: Error | null | undefined) => void): boolean;
  drain(cb: (err: Error | null) => void): void;
  on(event: 'data', cb: (b: Buffer) => void): void;
  on(event: 'close', cb: (err?: Error & { disconnected?: boolean }) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  isOpen: boolean;
}

export class SerialTransport extends TransportStreams implements Transport {
  readonly kind = 'serial' as const;
  private port: PortLike | null = null;
  private deframer: SerialDeframer = createSerialDeframer();
  private reportedErrors = 0;
  private closing = false;
  private watch: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SerialTransportOptions) {
    super();
    if (typeof opts.path !== 'string' || opts.path === '') throw new TypeError('SerialTransport: path must be a non-empty string');
  }

  get description(): string {
    return `serial ${this.opts.path}`;
  }

  async open(): Promise<void> {
    if (this.state$.value !== 'idle') throw new TransportError(`serial transport already ${this.state$.value}`);
    this.state$.next('connecting');
    try {
      await this.openPort();
    } catch (e) {
      this.state$.next('closed');
      throw e;
    }
    this.state$.next('connected');
  }

  private async openPort(): Promise<void> {
    const { SerialPort } = await import('serialport');
    const port = new SerialPort({ path: this.opts.path, baudRate: this.opts.baudRate ?? 115200, autoOpen: false }) as unknown as PortLike;
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (e) {
      throw new TransportError(`cannot open serial port ${this.opts.path}: ${(e as Error).message.replace(/^Error: /, '')}`);
    }
    this.port = port;
    this.deframer = createSerialDeframer(); // a frame cut by the unplug must not count against the new link
    this.reportedErrors = 0;
    port.on('data', (chunk) => this.onData(chunk));
    port.on('error', () => {}); // errors surface as 'close' or failed writes
    port.on('close', (err) => this.lose(port, err?.disconnected ? 'serial port disconnected' : 'serial port closed'));
    // serialport does not always see a hang-up (a pty whose other end closed can stay silent), so
    // also watch the device path: a USB CDC node or a pty disappears when its device goes away.
    this.stopWatch();
    this.watch = setInterval(() => {
      fs.stat(this.opts.path, (e) => {
        if (e?.code === 'ENOENT') this.lose(port, 'serial port disappeared');
      });
    }, PATH_WATCH_MS);
    this.watch.unref();
  }

  private lose(port: PortLike, reason: string): void {
    if (this.closing || this.port !== port) return;
    this.port = null;
    this.stopWatch();
    if (port.isOpen) port.close(() => {});
    this.link$.next({ type: 'link-lost', hostTimeMs: nowMs(), reason });
    if ((this.opts.reconnectAttempts ?? 20) > 0) {
      this.state$.next('reconnecting');
      void this.reconnect();
    } else this.finish();
  }

  private stopWatch(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
  }

  /** The port vanished (cable pulled, board reset): try to open the same path again with backoff. */
  private async reconnect(): Promise<void> {
    const attempts = this.opts.reconnectAttempts ?? 20;
    const again = { attempts, initialMs: this.opts.reconnectInitialMs ?? 250, maxMs: 2000, stopped: () => this.closing, attempt: () => this.openPort() };
    await reconnectLink(this, again, () => {
      this.link$.next({ type: 'link-lost', hostTimeMs: nowMs(), reason: `gave up reopening ${this.opts.path} after ${attempts} attempts` });
      this.finish();
    });
  }

  async send(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port || this.state$.value !== 'connected') throw new TransportError(`cannot send: serial link is ${this.state$.value}`, true);
    const frame = encodeSerialFrame(bytes);
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), (err) => {
        if (err) reject(new TransportError(`serial write to ${this.opts.path} failed: ${err.message}`));
      });
      port.drain((err) => (err ? reject(new TransportError(`serial write to ${this.opts.path} failed: ${err.message}`)) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopWatch();
    const port = this.port;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.finish();
  }

  /** Serial deframer counters (good messages, CRC errors, garbage bytes...). */
  get rxStats(): SerialDeframer['stats'] {
    return this.deframer.stats;
  }

  private onData(chunk: Buffer): void {
    const hostTimeMs = nowMs();
    const msgs = this.deframer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    for (const m of msgs) {
      this.messages$.next({ channel: serialChannelOf(m), bytes: m.slice(), hostTimeMs });
    }
    const s = this.deframer.stats;
    const errors = s.crcErrors + s.cobsErrors + s.shortFrames + s.oversizeFrames;
    if (errors !== this.reportedErrors) {
      this.link$.next({ type: 'rx-errors', hostTimeMs, count: errors - this.reportedErrors, detail: this.deframer.lastError() ?? 'bad frame' });
      this.reportedErrors = errors;
    }
  }

  private finish(): void {
    if (this.state$.value === 'closed') return;
    this.state$.next('closed');
    this.messages$.complete();
    this.link$.complete();
  }
}

export interface SerialPortEntry {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/**
 * Lists serial ports. serialport's list() needs udev (udevadm) on Linux; where it fails this
 * resolves with an empty list and a one-line `warning` instead of throwing.
 */
export async function listSerialPorts(): Promise<{ ports: SerialPortEntry[]; warning: string | null }> {
  try {
    const { SerialPort } = await import('serialport');
    const ports = await SerialPort.list();
    return { ports: ports.map((p) => ({ path: p.path, manufacturer: p.manufacturer, serialNumber: p.serialNumber, vendorId: p.vendorId, productId: p.productId })), warning: null };
  } catch (e) {
    return { ports: [], warning: `cannot list serial ports here (${(e as Error).message.split('\n')[0]}); name the port with --serial PATH` };
  }
}
