/**
 * The live hub: takes one board's streams, runs the live scorer and the trial controller on every
 * sample, and fans the results out to any number of pages through their ClientChannels. It is a
 * consumer of the pipeline like the recorder: it never blocks the sample stream (display frames are
 * built on a timer from a bounded buffer), and what a page does cannot change what is scored.
 */
import type { Observable, Subscription } from 'rxjs';
import type { BoardLayout, ForceSample, PipelineEvent } from '../pipeline/types.ts';
import type { LiveAnalysis, LiveScorer } from './analysis.ts';
import { ClientChannel, type SocketLike } from './client-channel.ts';
import {
  LIVE_PROTOCOL_VERSION,
  parseClientMessage,
  type ConnectionPhase,
  type FrameMessage,
  type HelloMessage,
  type LiveScoreView,
  type NoticeMessage,
  type ServerMessage,
  type StatusMessage,
  type TrialResultView,
  type TrialSetup,
  type TrialStateMessage,
} from './messages.ts';
import { PAGE_MESSAGES_PER_S } from './rate-limit.ts';
import { boardNotice } from './board-notice.ts';
import { ResultsStore } from './results-store.ts';
import { StreamStats } from './stream-stats.ts';
import { TrialController } from './trial-controller.ts';

/** What the hub needs from a board session (host/live/session-source.ts adapts host/session.ts). */
export interface LiveSource {
  /** Shown in the status bar, e.g. "simulated board". */
  label: string;
  layout: BoardLayout;
  /** Nominal sample rate, Hz. */
  nominalRateHz: number;
  samples$: Observable<ForceSample>;
  events$: Observable<PipelineEvent>;
  connection$: Observable<ConnectionPhase>;
  /** Battery %, when the board reports it. */
  battery$?: Observable<number | null>;
  /** Battery voltage, mV, when the board reports it. */
  batteryMv$?: Observable<number | null>;
  /** Zeroes the four cells with nobody on the board. */
  tare(): Promise<void>;
  /** File being recorded to (lossless, upstream of the hub), if any. */
  recording?: string | null;
  /** Emits once, with one line, when the recording stops on a write error (full disk). */
  recordingError$?: Observable<string>;
}

export interface LiveHubOptions {
  /** Chart width, s of device time. Defaults to 10. */
  windowS?: number;
  /** Initial trial setup. Defaults to left foot, eyes open, 20 s (a BESS trial). */
  setup?: TrialSetup;
  /** Display frame period, ms. Defaults to 33 (30 frames/s). */
  framePeriodMs?: number;
  /** Status period, ms. Defaults to 500. */
  statusPeriodMs?: number;
  /** Fixed y range of the cell and total force charts, N. Defaults to 600 and 1500. */
  cellForceMaxN?: number;
  totalForceMaxN?: number;
}

/** Display samples held between two frames; beyond this (a stalled timer) samples skip the display. */
export const MAX_PENDING_SAMPLES = 4096;

/** Load above which a tare needs the user's confirmation, N (the CoP threshold: nobody on the board below it). */
export const TARE_CONFIRM_LOAD_N = 20;

/** Shortest interval between two merged broadcasts, ms. */
export const MERGE_MS = 50;

/** Board notices kept for pages that open later. */
const MAX_BOARD_NOTICES = 4;

export const DEFAULT_SETUP: TrialSetup = { foot: 'left', eyes: 'open', surface: 'firm', durationS: 20 };

export interface LiveSnapshot {
  status: StatusMessage;
  live: LiveScoreView | null;
  last: ForceSample | null;
  trial: TrialStateMessage;
}

export class LiveHub {
  readonly stats = new StreamStats();
  readonly results: ReadonlyResults;
  private readonly store: ResultsStore;
  private readonly channels = new Set<ClientChannel>();
  private readonly trial: TrialController;
  private scorer: LiveScorer;
  private readonly subs: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private connection: ConnectionPhase = 'connecting';
  private battery: number | null = null;
  private batteryMv: number | null = null;
  private live: LiveScoreView | null = null;
  private last: ForceSample | null = null;
  private pending = newPending();
  private recordingError: string | null = null;
  /** The board's notices so far (boardNotice), the latest MAX_BOARD_NOTICES: a page that opens later gets them too. */
  private readonly boardNotices: NoticeMessage[] = [];
  /** Broadcasts waiting to be merged: the latest message of each type wins (see broadcastMerged). */
  private readonly merged = new Map<ServerMessage['type'], string>();
  private mergeTimer: NodeJS.Timeout | null = null;
  private lastMergeMs = -Infinity;
  private tareInFlight = false;
  private readonly resultListeners: Array<(r: TrialResultView) => void> = [];
  private readonly opts: Required<LiveHubOptions>;

  constructor(
    private readonly source: LiveSource,
    private readonly analysis: LiveAnalysis,
    options: LiveHubOptions = {},
  ) {
    this.opts = {
      windowS: options.windowS ?? 10,
      setup: options.setup ?? DEFAULT_SETUP,
      framePeriodMs: options.framePeriodMs ?? 33,
      statusPeriodMs: options.statusPeriodMs ?? 500,
      cellForceMaxN: options.cellForceMaxN ?? 600,
      totalForceMaxN: options.totalForceMaxN ?? 1500,
    };
    this.store = new ResultsStore(analysis);
    this.results = this.store;
    this.scorer = analysis.createLiveScorer(this.opts.setup);
    this.trial = new TrialController(analysis, this.opts.setup, {
      onState: (s) => this.broadcastMerged(s),
      onResult: (t) => {
        const view = this.store.add(t);
        this.broadcast(this.store.message()); // at most one per trial: never merged away
        for (const l of this.resultListeners) l(view);
      },
      onStanceStart: () => this.scorer.reset(),
    });
  }

  /** Subscribes to the source and starts the frame and status timers. */
  start(): void {
    this.subs.push(this.source.samples$.subscribe((s) => this.onSample(s)));
    this.subs.push(
      this.source.events$.subscribe((e) => {
        this.stats.addEvent(e);
        const notice = boardNotice(e);
        if (notice === null) return;
        this.boardNotices.push(notice);
        if (this.boardNotices.length > MAX_BOARD_NOTICES) this.boardNotices.shift();
        this.broadcast(notice);
      }),
    );
    this.subs.push(
      this.source.connection$.subscribe((c) => {
        this.connection = c;
        this.broadcastStatus();
      }),
    );
    if (this.source.recordingError$) {
      this.subs.push(
        this.source.recordingError$.subscribe((text) => {
          this.recordingError = text;
          this.broadcast({ type: 'notice', level: 'error', text: `Recording stopped: ${text}` });
          this.broadcastStatus();
        }),
      );
    }
    if (this.source.battery$) this.subs.push(this.source.battery$.subscribe((b) => (this.battery = b)));
    if (this.source.batteryMv$) this.subs.push(this.source.batteryMv$.subscribe((mv) => (this.batteryMv = mv)));
    this.timers.push(setInterval(() => this.flushFrame(), this.opts.framePeriodMs));
    this.timers.push(setInterval(() => this.broadcastStatus(), this.opts.statusPeriodMs));
    this.timers.push(setInterval(() => this.reportRefused(), 1000));
  }

  stop(): void {
    for (const s of this.subs.splice(0)) s.unsubscribe();
    for (const t of this.timers.splice(0)) clearInterval(t);
    if (this.mergeTimer) clearTimeout(this.mergeTimer);
    this.mergeTimer = null;
  }

  /** Called for each finished trial (after the pages were told). */
  onResult(listener: (r: TrialResultView) => void): void {
    this.resultListeners.push(listener);
  }

  /** A new page: sends it the whole picture, then live updates. Returns the message handler. */
  attach(socket: SocketLike): { onMessage(text: string): void; onClose(): void } {
    const ch = new ClientChannel(socket);
    this.channels.add(ch);
    ch.send(this.hello());
    ch.send(this.status(ch));
    ch.send(this.trial.state());
    ch.send(this.store.message());
    for (const n of this.boardNotices) ch.send(n);
    return {
      onMessage: (text) => this.onClientMessage(ch, text),
      onClose: () => this.channels.delete(ch),
    };
  }

  snapshot(): LiveSnapshot {
    return { status: this.status(null), live: this.live, last: this.last, trial: this.trial.state() };
  }

  get clientCount(): number {
    return this.channels.size;
  }

  private hello(): HelloMessage {
    const setup = this.trial.setup;
    return {
      type: 'hello',
      version: LIVE_PROTOCOL_VERSION,
      layout: this.source.layout,
      windowS: this.opts.windowS,
      nominalRateHz: this.source.nominalRateHz,
      cellForceMaxN: this.opts.cellForceMaxN,
      totalForceMaxN: this.opts.totalForceMaxN,
      geometry: this.analysis.geometry(setup),
      setup,
    };
  }

  private onSample(s: ForceSample): void {
    this.last = s;
    this.stats.addSample(s.t);
    this.live = this.scorer.push(s);
    this.trial.push(s);
    const p = this.pending;
    if (p.t.length >= MAX_PENDING_SAMPLES) return;
    if (p.t.length === 0) p.first = s.index;
    p.t.push(round(s.t, 4));
    p.f0.push(round(s.forces[0], 2));
    p.f1.push(round(s.forces[1], 2));
    p.f2.push(round(s.forces[2], 2));
    p.f3.push(round(s.forces[3], 2));
    p.total.push(round(s.total, 2));
    p.cx.push(s.cop ? round(s.cop.x, 2) : null);
    p.cy.push(s.cop ? round(s.cop.y, 2) : null);
  }

  private flushFrame(): void {
    const p = this.pending;
    if (p.t.length === 0) return;
    this.pending = newPending();
    if (this.channels.size === 0) return;
    const frame: FrameMessage = { ...p, live: this.live };
    const text = JSON.stringify(frame);
    for (const ch of this.channels) ch.sendFrame(text);
  }

  private onClientMessage(ch: ClientChannel, text: string): void {
    if (!ch.limiter.take()) return; // counted; the page hears about it once a second (reportRefused)
    const msg = parseClientMessage(text);
    if (typeof msg === 'string') {
      ch.send({ type: 'notice', level: 'error', text: msg });
      return;
    }
    switch (msg.type) {
      case 'visibility':
        ch.hidden = msg.hidden;
        return;
      case 'setup': {
        const err = this.trial.configure(msg.setup);
        if (err) {
          ch.send({ type: 'notice', level: 'error', text: err });
          ch.send(this.trial.state());
          return;
        }
        this.scorer = this.analysis.createLiveScorer(msg.setup);
        this.broadcastMerged({ type: 'geometry', geometry: this.analysis.geometry(msg.setup) });
        return;
      }
      case 'start': {
        const err = this.trial.start();
        if (err) ch.send({ type: 'notice', level: 'error', text: err });
        return;
      }
      case 'stop':
        this.trial.stop();
        return;
      case 'tare': {
        const doubt = this.tareDoubt();
        if (doubt && msg.confirmed !== true) {
          ch.send({ type: 'confirm', action: 'tare', text: `${doubt} Tare zeroes it: only tare with nobody on the board. Tare anyway?` });
          return;
        }
        if (this.tareInFlight) {
          ch.send({ type: 'notice', level: 'info', text: 'A tare is already under way.' });
          return;
        }
        // A trial cannot go on across a tare (its forces jump to zero): it ends without a result.
        if (this.trial.active) this.trial.abort('Trial ended by a tare.');
        this.tareInFlight = true;
        this.source
          .tare()
          .then(
            () => this.broadcast({ type: 'notice', level: 'info', text: 'Tared: the four cells read zero now.' }),
            (e: unknown) => this.broadcast({ type: 'notice', level: 'error', text: `Tare failed: ${e instanceof Error ? e.message : String(e)}` }),
          )
          .finally(() => (this.tareInFlight = false));
        return;
      }
    }
  }

  /** Why a tare now needs the user's confirmation (load on the board, trial under way), or null. */
  private tareDoubt(): string | null {
    if (this.trial.active) return 'A trial is under way: a tare ends it without a result.';
    const total = this.last?.total ?? 0;
    if (Math.abs(total) > TARE_CONFIRM_LOAD_N) return `The board carries ${Math.round(total)} N now.`;
    return null;
  }

  private status(ch: ClientChannel | null): StatusMessage {
    const rate = this.stats.rateHz();
    return {
      type: 'status',
      connection: this.connection,
      source: this.source.label,
      batteryPct: this.battery,
      batteryMv: this.batteryMv,
      rateHz: rate === null ? null : round(rate, 2),
      samples: this.stats.samples,
      lost: this.stats.lost,
      duplicates: this.stats.duplicates,
      droppedFrames: ch ? ch.droppedFrames : 0,
      recording: this.source.recording ?? null,
      recordingError: this.recordingError,
    };
  }

  private broadcastStatus(): void {
    for (const ch of this.channels) ch.send(this.status(ch));
  }

  /** Sends a message to every page (the clinic link says when a trial was stored). */
  notify(msg: ServerMessage): void {
    this.broadcast(msg);
  }

  /**
   * State that only matters in its latest form (trial state, geometry) goes out at most
   * once per MERGE_MS: a burst of changes (a page flooding setup, start, stop) costs one send per
   * page, not one per change. Messages go out in the order their types first changed.
   */
  private broadcastMerged(msg: ServerMessage): void {
    if (this.channels.size === 0) return;
    this.merged.set(msg.type, JSON.stringify(msg));
    if (this.mergeTimer) return;
    const wait = Math.max(0, this.lastMergeMs + MERGE_MS - performance.now());
    this.mergeTimer = setTimeout(() => {
      this.mergeTimer = null;
      this.lastMergeMs = performance.now();
      const texts = [...this.merged.values()];
      this.merged.clear();
      for (const ch of this.channels) for (const t of texts) ch.send(t);
    }, wait);
  }

  /** Tells each page that sent too many messages how many were dropped (at most once a second). */
  private reportRefused(): void {
    for (const ch of this.channels) {
      const n = ch.limiter.takeRefused();
      if (n > 0) ch.send({ type: 'notice', level: 'error', text: `Too many messages from this page: ${n} dropped (limit ${PAGE_MESSAGES_PER_S}/s).` });
    }
  }

  private broadcast(msg: ServerMessage): void {
    if (this.channels.size === 0) return;
    const text = JSON.stringify(msg);
    for (const ch of this.channels) ch.send(text);
  }
}

export type ReadonlyResults = Pick<ResultsStore, 'list' | 'comparisons' | 'toJson' | 'toCsv'>;

function newPending(): Omit<FrameMessage, 'live'> {
  return { type: 'frame', first: 0, t: [], f0: [], f1: [], f2: [], f3: [], total: [], cx: [], cy: [] };
}

function round(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
