/**
 * A one-line progress bar on stderr for work that takes more than a couple of seconds. Drawn only
 * when the stream is a terminal (or TRIPOD_PROGRESS=1), at most 10 times a second, and only after
 * the work has run for `delayMs`; piped output and tests see nothing from it. TRIPOD_PROGRESS=now
 * draws on any stream from the first update (a test that must see it, whatever the machine's speed).
 */
export interface ProgressOptions {
  /** What is being done, e.g. 'recording'. */
  label: string;
  /** Total units of work, or null when unknown (then only the count is shown). */
  total: number | null;
  /** Unit name shown after the count, e.g. 's' or 'samples'. */
  unit?: string;
  /** Show nothing before this much time has passed, ms. Defaults to 1500. */
  delayMs?: number;
}

export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;
  private readonly enabled: boolean;
  private readonly delayMs: number;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly opts: ProgressOptions,
  ) {
    const forced = process.env.TRIPOD_PROGRESS;
    this.enabled = (stream as { isTTY?: boolean }).isTTY === true || forced === '1' || forced === 'now';
    this.delayMs = forced === 'now' ? 0 : (opts.delayMs ?? 1500);
  }

  update(done: number, extra = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.started < this.delayMs || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.drawn = true;
    this.stream.write(`\r${this.render(done, extra)}\x1b[K`);
  }

  /** Clears the bar (the caller prints its own final line). */
  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  render(done: number, extra: string): string {
    const unit = this.opts.unit ? ` ${this.opts.unit}` : '';
    const total = this.opts.total;
    if (total === null || total <= 0) return `${this.opts.label} ${fmt(done)}${unit} ${extra}`.trimEnd();
    const frac = Math.max(0, Math.min(1, done / total));
    const width = 30;
    const full = Math.round(frac * width);
    return `${this.opts.label} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${Math.floor(frac * 100)}% ${fmt(done)}/${fmt(total)}${unit} ${extra}`.trimEnd();
  }
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
