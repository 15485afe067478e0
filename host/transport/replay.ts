/**
 * Replays a recording as a transport: the recorded messages come out again with their recorded
 * spacing divided by `speed` (1 = real time, 10 = ten times faster, Infinity = as fast as the
 * consumer takes them). Link records come out as link events in their place. A recording cannot
 * answer commands: send() rejects.
 */
import { BehaviorSubject, Subject } from 'rxjs';
import { describeDamage, openRecording, type RecordingReadReport } from '../recording/reader.ts';
import type { NoteRecord, RecordingHeader } from '../recording/format.ts';
import { nowMs, TransportError, type ConnectionState, type LinkEvent, type ReceivedMessage, type Transport } from './transport.ts';

export interface ReplayOptions {
  /** Playback speed factor; Infinity = as fast as possible. Defaults to 1. */
  speed?: number;
  /** Keep the recorded host receive times (default true); false stamps messages with replay time. */
  recordedTimes?: boolean;
}

export class ReplayTransport implements Transport {
  readonly kind = 'replay' as const;
  readonly messages$ = new Subject<ReceivedMessage>();
  readonly link$ = new Subject<LinkEvent>();
  readonly state$ = new BehaviorSubject<ConnectionState>('idle');
  /** NOTE records (tare, calibration changes), in their place among the messages. */
  readonly notes$ = new Subject<NoteRecord>();
  readonly report: RecordingReadReport;
  readonly header: RecordingHeader;
  private readonly records: ReturnType<typeof openRecording>['records'];
  private stopped = false;
  private playing = false;
  /** Resolves when every record has been played (or close() was called). */
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private readonly speed: number;

  /** Opens the file and reads its header; throws RecordingFormatError when it is not a recording. */
  constructor(
    readonly file: string,
    private readonly opts: ReplayOptions = {},
  ) {
    const speed = opts.speed ?? 1;
    if (!(speed > 0)) throw new TypeError(`speed must be a positive number or Infinity, got ${speed}`);
    this.speed = speed;
    const rec = openRecording(file);
    this.report = rec.report;
    this.records = rec.records;
    // Read the header now so callers know the board and calibration before playing.
    const gen = rec.records();
    const first = gen.next();
    gen.return(undefined); // closes the file
    if (first.done || first.value.type !== 'header') throw new TransportError(`${file}: no header record`);
    this.header = first.value.header;
    this.finished = new Promise((r) => (this.resolveFinished = r));
  }

  /** Whether messages keep their recorded spacing (any finite speed); false for 'max'. */
  get paced(): boolean {
    return this.speed !== Infinity;
  }

  get description(): string {
    return `recording ${this.file}${this.speed === 1 ? '' : ` at ${this.speed === Infinity ? 'full' : `${this.speed}x`} speed`}`;
  }

  async open(): Promise<void> {
    if (this.state$.value !== 'idle') throw new TransportError(`replay already ${this.state$.value}`);
    this.state$.next('connected');
  }

  /** Starts playing on the next macrotask (nothing is buffered for subscribers that come later). */
  start(): void {
    if (this.playing) return;
    this.playing = true;
    // On the next macrotask, so subscribers attached right after openBoard() resolves see everything.
    setImmediate(() => {
      void this.play().catch((e) => {
        this.messages$.error(e);
      });
    });
  }

  async send(): Promise<void> {
    throw new TransportError('a recording cannot answer commands; connect a board (--sim, --ble, --serial) for that');
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.finish();
  }

  /** One line about damage or truncation found while playing, or null (valid once finished). */
  damageSummary(): string | null {
    return describeDamage(this.report);
  }

  private finish(): void {
    if (this.state$.value === 'closed') return;
    this.state$.next('closed');
    this.messages$.complete();
    this.link$.complete();
    this.notes$.complete();
    this.resolveFinished();
  }

  private async play(): Promise<void> {
    const speed = this.speed;
    const keepTimes = this.opts.recordedTimes ?? true;
    let t0Recorded: number | null = null;
    let t0Wall = 0;
    let sinceYield = 0;
    for (const r of this.records()) {
      if (this.stopped) break;
      if (r.type === 'note') {
        this.notes$.next(r.note);
        continue;
      }
      if (r.type === 'message' || r.type === 'link') {
        const h = r.type === 'message' ? r.hostTimeMs : r.link.hostTimeMs;
        if (t0Recorded === null) {
          t0Recorded = h;
          t0Wall = nowMs();
        }
        if (speed !== Infinity) {
          const due = t0Wall + (h - t0Recorded) / speed;
          const wait = due - nowMs();
          if (wait > 1) await sleep(wait);
          if (this.stopped) break;
        } else if (++sinceYield >= 512) {
          sinceYield = 0;
          await new Promise((r2) => setImmediate(r2)); // let consumers and timers run
        }
        if (r.type === 'message') {
          this.messages$.next({ channel: r.channel, bytes: r.bytes, hostTimeMs: keepTimes ? r.hostTimeMs : nowMs() });
        } else {
          const hostTimeMs = keepTimes ? r.link.hostTimeMs : nowMs();
          if (r.link.event === 'link-lost') this.link$.next({ type: 'link-lost', hostTimeMs, reason: r.link.detail ?? 'link lost (recorded)' });
          else this.link$.next({ type: 'link-restored', hostTimeMs, attempt: 0 });
        }
      }
    }
    this.finish();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
