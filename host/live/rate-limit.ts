/**
 * Per-page message rate limit (a token bucket). A page sends a handful of commands a minute; a
 * page or script that floods the socket must not stall the host, whose event loop also runs the
 * scoring, the trials and every other page. Messages over the limit are dropped before they are
 * even parsed; the page is told once per second how many were dropped.
 */

/** Messages a page may send per second, sustained. */
export const PAGE_MESSAGES_PER_S = 20;
/** Messages a page may send at once after a quiet spell. */
export const PAGE_MESSAGE_BURST = 40;

export class RateLimiter {
  private tokens: number;
  private lastMs: number;
  /** Messages refused since the last `takeRefused()`. */
  private refused = 0;
  /** Messages refused in all. */
  refusedTotal = 0;

  constructor(
    private readonly perS = PAGE_MESSAGES_PER_S,
    private readonly burst = PAGE_MESSAGE_BURST,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.lastMs = now();
  }

  /** Whether one more message may go through now. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.lastMs) / 1000) * this.perS);
    this.lastMs = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.refused++;
    this.refusedTotal++;
    return false;
  }

  /** Messages refused since the last call (for one notice per second, not one per message). */
  takeRefused(): number {
    const n = this.refused;
    this.refused = 0;
    return n;
  }
}
