/**
 * Replays a recording as a transport: the recorded messages come out again with their recorded
 * spacing divided by `speed` (1 = real time, 10 = ten times faster, Infinity = as fast as the
 * consumer takes them). Link records come out as link events in their place. A recording cannot
 * answer commands: send() rejects.
 */
import { Subject } from 'rxjs';
import { describeDamage, openRecording, type FrameBatch, type RecordingReadReport, type RecordSink } from '../recording/reader.ts';
import type { NoteRecord, RecordingHeader, RecordingRecord } from '../recording/format.ts';
import { nowMs, TransportError, TransportStreams, type Transport } from './transport.ts';

/** Bytes read per call while looking for the header. */
const HEADER_CHUNK_BYTES = 4096;

export interface ReplayOptions {
  /** Playback speed factor; Infinity = as fast as possible. Defaults to 1. */
  speed?: number;
  /** Keep the recorded host receive times (default true); false stamps messages with replay time. */
  recordedTimes?: boolean;
}

export class ReplayTransport extends TransportStreams implements Transport {
  readonly kind = 'replay' as const;
  /** NOTE records (tare, calibration changes), in their place among the messages. */
  readonly notes$ = new Subject<NoteRecord>();
  readonly report: RecordingReadReport;
  readonly header: RecordingHeader;
  private readonly batches: ReturnType<typeof openRecording>['batches'];
  private readonly feed: ReturnType<typeof openRecording>['feed'];
  /**
   * Where data messages go directly, without messages$ (set by the session that plays the
   * recording, which then ignores data messages on messages$: no object and no Observable step per
   * frame); messages$ still gets them while anyone besides that session subscribes to it. Control
   * messages, link events and notes always take the Subjects.
   */
  onData: ((bytes: Uint8Array, hostTimeMs: number) => void) | null = null;
  /**
   * At full speed, where data messages go instead of onData when set: in batches of the frames that
   * follow each other in the file (FrameBatch: bytes [start[i], end[i]) of the reader's buffer,
   * written again after the call: copy what you keep), the file read in large chunks with no
   * object, no view and no call per frame. The same frames, in the same places among the other
   * records, as onData gets.
   */
  onFrames: ((buf: Uint8Array, batch: FrameBatch) => void) | null = null;
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
    super();
    const speed = opts.speed ?? 1;
    if (!(speed > 0)) throw new TypeError(`speed must be a positive number or Infinity, got ${speed}`);
    this.speed = speed;
    const rec = openRecording(file);
    this.report = rec.report;
    this.batches = rec.batches;
    this.feed = rec.feed;
    // Read the header now so callers know the board and calibration before playing: in small
    // chunks (the header record and its copy are a few KB; a 32 KB chunk parsed ~900 frame records
    // for nothing, 4-9 ms of a fresh process's replay).
    const gen = rec.records(HEADER_CHUNK_BYTES);
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
    if (speed === Infinity && this.onFrames !== null) {
      await this.playRanges(this.onFrames, keepTimes);
      return;
    }
    for (const batch of this.batches()) {
      for (let i = 0; i < batch.length && !this.stopped; i++) {
        const wait = this.playOne(batch[i]!, speed, keepTimes);
        if (wait !== null) await wait; // no await per record on the direct path
      }
      if (this.stopped) break;
    }
    this.finish();
  }

  /** Full speed with onFrames: frames go out in batches of ranges of each chunk; the event loop runs between chunks. */
  private async playRanges(onFrames: (buf: Uint8Array, batch: FrameBatch) => void, keepTimes: boolean): Promise<void> {
    const messages$ = this.messages$;
    const sink: RecordSink = {
      frames: (buf, batch) => {
        if (this.stopped) return;
        if (!keepTimes) batch.hostTimeMs.fill(nowMs(), 0, batch.count);
        onFrames(buf, batch);
        // The session that set onFrames also subscribes (for control messages): only others need these.
        if (messages$.observers.length > 1) {
          // Copies: the reader writes its chunk buffers again.
          for (let i = 0; i < batch.count; i++) messages$.next({ channel: 'data', bytes: buf.slice(batch.start[i]!, batch.end[i]!), hostTimeMs: batch.hostTimeMs[i]! });
        }
      },
      record: (r) => {
        if (this.stopped) return;
        if (r.type === 'note') this.notes$.next(r.note);
        else this.deliver(r, keepTimes);
      },
    };
    for (const _ of this.feed(sink)) {
      if (this.stopped) break;
      await new Promise<void>((done) => setImmediate(done)); // let consumers and timers run
    }
    this.finish();
  }

  private t0Recorded: number | null = null;
  private t0Wall = 0;
  private sinceYield = 0;

  /** Plays one record; returns a promise only when it has to wait (paced, or a yield every 512 at max speed). */
  private playOne(r: RecordingRecord, speed: number, keepTimes: boolean): Promise<void> | null {
    if (r.type === 'note') {
      this.notes$.next(r.note);
      return null;
    }
    if (r.type !== 'message' && r.type !== 'link') return null;
    const h = r.type === 'message' ? r.hostTimeMs : r.link.hostTimeMs;
    if (this.t0Recorded === null) {
      this.t0Recorded = h;
      this.t0Wall = nowMs();
    }
    if (speed !== Infinity) {
      const wait = this.t0Wall + (h - this.t0Recorded) / speed - nowMs();
      if (wait > 1) return sleep(wait).then(() => this.deliver(r, keepTimes));
    } else if (++this.sinceYield >= 512) {
      this.sinceYield = 0;
      // let consumers and timers run
      return new Promise<void>((done) => setImmediate(done)).then(() => this.deliver(r, keepTimes));
    }
    this.deliver(r, keepTimes);
    return null;
  }

  private deliver(r: RecordingRecord, keepTimes: boolean): void {
    if (this.stopped) return;
    if (r.type === 'message') {
      const hostTimeMs = keepTimes ? r.hostTimeMs : nowMs();
      if (r.channel === 'data' && this.onData !== null) {
        this.onData(r.bytes, hostTimeMs);
        // The session that set onData also subscribes (for control messages): only others need these.
        if (this.messages$.observers.length > 1) this.messages$.next({ channel: r.channel, bytes: r.bytes, hostTimeMs });
      } else {
        this.messages$.next({ channel: r.channel, bytes: r.bytes, hostTimeMs });
      }
    } else if (r.type === 'link') {
      const hostTimeMs = keepTimes ? r.link.hostTimeMs : nowMs();
      if (r.link.event === 'link-lost') this.link$.next({ type: 'link-lost', hostTimeMs, reason: r.link.detail ?? 'link lost (recorded)' });
      else this.link$.next({ type: 'link-restored', hostTimeMs, attempt: 0 });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
