/**
 * One page's connection, as the hub sees it. The hub never waits for a page: it hands each message
 * to the channel, which either sends it at once or drops it.
 * - Display frames are dropped when the page is hidden or its socket has more than
 *   FRAME_HIGH_WATER_BYTES queued (a slow tab or a slow link); the page sees the skipped sample
 *   indices as a jump and the status bar counts the dropped frames. Recording and scoring are
 *   upstream of this and never see it.
 * - Other messages (state, trial, results) are never dropped; if the socket's queue passes
 *   CONTROL_LIMIT_BYTES the page is too far behind to be useful and the channel closes it (code 1013,
 *   "try again later"); the page reconnects and gets a fresh snapshot.
 */
import type { ServerMessage } from './messages.ts';
import { RateLimiter } from './rate-limit.ts';

/** Bytes queued in the socket above which display frames are skipped. */
export const FRAME_HIGH_WATER_BYTES = 256 * 1024;
/** Bytes queued in the socket above which the page is disconnected. */
export const CONTROL_LIMIT_BYTES = 8 * 1024 * 1024;

/** The part of a `ws` WebSocket the channel uses (a fake in tests). */
export interface SocketLike {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

const OPEN = 1;

export class ClientChannel {
  hidden = false;
  droppedFrames = 0;
  sentFrames = 0;
  /** Limits the messages this page may send (rate-limit.ts). */
  readonly limiter = new RateLimiter();

  constructor(private readonly socket: SocketLike) {}

  get open(): boolean {
    return this.socket.readyState === OPEN;
  }

  /** Sends a display frame unless the page is hidden or behind; returns whether it was sent. */
  sendFrame(serialized: string): boolean {
    if (!this.open) return false;
    if (this.hidden || this.socket.bufferedAmount > FRAME_HIGH_WATER_BYTES) {
      this.droppedFrames++;
      return false;
    }
    this.socket.send(serialized);
    this.sentFrames++;
    return true;
  }

  /** Sends a message that must arrive (state, trial, results). */
  send(msg: ServerMessage | string): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > CONTROL_LIMIT_BYTES) {
      this.socket.close(1013, 'page too slow: reconnect for a fresh snapshot');
      return;
    }
    this.socket.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }
}
