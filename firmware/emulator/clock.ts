/**
 * Virtual time for the emulated board: one clock (seconds since boot, float) and two event
 * queues ordered by (time, insertion order):
 * - `hw`: hardware happenings that never run JavaScript themselves (a digitalPulse edge, an HX711
 *   becoming ready, a BLE connection event); they may queue JS work.
 * - `js`: the interpreter's idle-loop work (timers, setWatch callbacks, NRF/Serial events). On the
 *   device these run one after another when the interpreter is idle, in time order.
 * JavaScript never runs concurrently with itself: while a callback runs, every Espruino API call
 * moves `now` forward by its cost (see costs.ts), and hardware events up to `now` are applied
 * before any pin is read or written, so pulse timing against JS timing is exact.
 */

export interface QueuedEvent {
  t: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/** True when `a` runs before `b`: earlier time, or the same time and queued first. */
const before = (a: QueuedEvent, b: QueuedEvent): boolean => a.t < b.t || (a.t === b.t && a.seq < b.seq);

/** A binary min-heap of events by (t, seq). */
export class EventQueue {
  private heap: QueuedEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(t: number, run: () => void): QueuedEvent {
    const ev: QueuedEvent = { t, seq: this.seq++, run, cancelled: false };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (before(parent, ev)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
    return ev;
  }

  /** Earliest live event time, or Infinity. Drops cancelled events at the top. */
  peekTime(): number {
    const h = this.heap;
    while (h.length > 0 && h[0]!.cancelled) this.pop();
    return h.length > 0 ? h[0]!.t : Infinity;
  }

  pop(): QueuedEvent | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        const lc = h[l]!;
        if (r < n) {
          const rc = h[r]!;
          if (before(rc, lc)) c = r;
        }
        const child = h[c]!;
        if (before(last, child)) break;
        h[i] = child;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  clear(): void {
    this.heap = [];
  }
}

/** The board's clock: `now` in seconds since boot, with hardware and JS queues. */
export class VirtualClock {
  now = 0;
  readonly hw = new EventQueue();
  readonly js = new EventQueue();
  private flushing = false;

  /** Applies every hardware event due at or before `t` (in time order); `now` is not moved. */
  flushHardware(t: number = this.now): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.hw.peekTime() <= t) {
        const ev = this.hw.pop()!;
        if (!ev.cancelled) ev.run();
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Moves time forward by `seconds` of CPU work (an API call's cost) and applies due hardware. */
  spend(seconds: number): void {
    this.now += seconds;
    if (this.hw.peekTime() <= this.now) this.flushHardware(this.now);
  }
}
