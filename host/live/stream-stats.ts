/**
 * Stream health for the status bar: achieved sample rate over a sliding window of device time,
 * and the host's loss and duplicate counts from the pipeline events. O(1) per sample, fixed memory.
 */
import type { PipelineEvent } from '../pipeline/types.ts';

/** Width of the rate window, s of device time. */
export const RATE_WINDOW_S = 2;

export class StreamStats {
  /** Device times of recent samples, a ring sized for 2 s at up to 2 kHz. */
  private readonly times = new Float64Array(4096);
  private head = 0;
  private count = 0;
  samples = 0;
  lost = 0;
  duplicates = 0;

  addSample(t: number): void {
    this.samples++;
    this.times[this.head] = t;
    this.head = (this.head + 1) % this.times.length;
    if (this.count < this.times.length) this.count++;
  }

  addEvent(e: PipelineEvent): void {
    switch (e.type) {
      case 'gap':
        this.lost += e.count;
        break;
      // A board overflow skips exactly its dropped indices, which the pipeline reports as a 'gap':
      // counting the OVERFLOW event too would count those samples twice.
      case 'consumer-overflow':
        this.lost += e.dropped;
        break;
      case 'duplicate':
        this.duplicates += e.count;
        break;
      case 'stream-start':
        // a new stream restarts the device clock: the rate window starts over
        this.count = 0;
        break;
      default:
        break;
    }
  }

  /**
   * Samples per second of device time over the last RATE_WINDOW_S: (n - 1) / (t_last - t_first)
   * over the samples in the window. Null with fewer than 2 samples or no time span.
   */
  rateHz(): number | null {
    if (this.count < 2) return null;
    const len = this.times.length;
    const lastPos = (this.head - 1 + len) % len;
    const tLast = this.times[lastPos]!;
    let n = 1;
    let tFirst = tLast;
    for (let k = 2; k <= this.count; k++) {
      const t = this.times[(this.head - k + len * 2) % len]!;
      if (tLast - t > RATE_WINDOW_S) break;
      tFirst = t;
      n = k;
    }
    const span = tLast - tFirst;
    return n >= 2 && span > 0 ? (n - 1) / span : null;
  }
}
