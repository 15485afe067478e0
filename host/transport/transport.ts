/**
 * The one narrow interface every way of reaching a board implements (sim, serial, BLE, replay).
 * A transport moves bytes: it knows nothing of sample decoding or calibration. The real
 * implementation is chosen in exactly one place, host/transport/open.ts.
 */
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { KIND_DELTA, KIND_DELTA2, KIND_KEY, KIND_KEY2 } from '../../protocol/constants.ts';

export type TransportKind = 'sim' | 'ble' | 'serial' | 'replay';

/**
 * idle: not opened yet. connecting: first connection in progress. connected: streaming possible.
 * reconnecting: the link dropped and the transport is trying again (BLE). closed: close() was called
 * or the link is gone for good.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** One message as the transport received it: a sample frame ('data') or a response/event ('control'). */
export interface ReceivedMessage {
  channel: 'data' | 'control';
  /** The message bytes exactly as received (one BLE notification, or one deframed serial message). */
  bytes: Uint8Array;
  /** Host wall-clock time when the transport received it, ms since the epoch (fractional). */
  hostTimeMs: number;
}

/** Things that happen to the link itself, in order with the messages. */
export type LinkEvent =
  | { type: 'link-lost'; hostTimeMs: number; reason: string }
  | { type: 'link-restored'; hostTimeMs: number; attempt: number }
  /** Bytes the transport discarded (serial garbage, bad CRC frames): counted, never thrown. */
  | { type: 'rx-errors'; hostTimeMs: number; count: number; detail: string };

export interface Transport {
  readonly kind: TransportKind;
  /** Human description: 'simulated board', 'serial /dev/ttyACM0', 'BLE Tripod-1A2B (c0:ff:ee:..)'. */
  readonly description: string;
  /** Every message received, in arrival order, with its host receive time. Hot; never blocks the link. */
  readonly messages$: Observable<ReceivedMessage>;
  readonly link$: Observable<LinkEvent>;
  readonly state$: BehaviorSubject<ConnectionState>;
  /** Connects (and for BLE subscribes to notifications). Rejects with one clear line on failure. */
  open(): Promise<void>;
  /** Writes one already-encoded control message (the serial transport frames it). */
  send(bytes: Uint8Array): Promise<void>;
  /** Closes the link; idempotent. */
  close(): Promise<void>;
  /**
   * The board's Device Information Software Revision (protocol/SPEC.md 2: `native` or `jit-js` for
   * Tripod firmware), on links that can read GATT characteristics (BLE, the simulated board); null
   * when the board lacks it or the read fails. Serial and replay transports do not have it.
   */
  deviceSoftware?(): Promise<string | null>;
  /** Board keys this transport knows itself (the simulated board's built-in key); else the host's key file is used (keys.ts). */
  readonly boardKeys?: (address: string) => Uint8Array | null;
}

/**
 * The three streams every transport has (messages$, link$, state$ starting 'idle'): the transports
 * (ble, serial, tcp-serial, sim, replay) extend this rather than each declaring them again.
 */
export abstract class TransportStreams {
  readonly messages$ = new Subject<ReceivedMessage>();
  readonly link$ = new Subject<LinkEvent>();
  readonly state$ = new BehaviorSubject<ConnectionState>('idle');
}

/** A transport error with a flag saying whether it means the link is gone (like serialport's `disconnected`). */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    message: string,
    readonly disconnected = false,
  ) {
    super(message);
  }
}

/**
 * Which channel a message from a serial line belongs to (one stream carries both): the sample
 * frames, 1.1 (KEY, DELTA) and 1.2 (KEY2, DELTA2, protocol/SPEC.md 4.8), are data; everything else
 * goes to the control decoder.
 */
export function serialChannelOf(message: Uint8Array): 'data' | 'control' {
  const kind = message[0]! & 0x0f;
  return kind === KIND_KEY || kind === KIND_DELTA || kind === KIND_KEY2 || kind === KIND_DELTA2 ? 'data' : 'control';
}

/** High-resolution wall-clock now, ms since the epoch. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
