/**
 * A session with one board, whatever the source: `openBoard(source, opts)` connects, asks the board
 * who it is and how it is calibrated, optionally starts a lossless recording, starts the stream, and
 * exposes named Observables:
 *   samples$  calibrated ForceSamples (index, device time, raw counts, forces N, total N, CoP mm)
 *   blocks$   the same samples in ForceBlocks of typed arrays (pipeline/block.ts): a replay fills
 *             blocks of thousands of rows with no object per sample (read these for speed); a live
 *             session gives one-row blocks
 *   events$   gaps, duplicates, device events, link loss/restore, consumer overflow
 *   state$    connection state (BehaviorSubject)
 * For live sources, samples reach subscribers through a bounded queue (pipeline/delivery.ts): the
 * transport callback never waits for a consumer, and a consumer that falls behind gets a
 * 'consumer-overflow' event with the exact number of samples it missed. The recorder writes in the
 * transport callback itself, so a recording never loses what was received. For a replay, samples
 * are delivered synchronously (nothing is dropped; the replay is paced instead).
 */
import type { BehaviorSubject, Observable, Subscription } from 'rxjs';
import { CMD_STOP_STREAM, FRAME_FORMAT_2, MSG_EVENT, PROTOCOL_MAJOR, STATUS_AUTH_REQUIRED, type CellCalibrationRecord, type CommandMessage, type DeviceInfo, type ResponseMessage } from '../protocol/index.ts';
import { SOFTWARE } from './package-root.ts';
import { defaultCalibration, loadCalibrationFile, parseCalibration, type Calibration } from './pipeline/calibration.ts';
import { BoundedDelivery, DEFAULT_DELIVERY_CAPACITY } from './pipeline/delivery.ts';
import { DirectDelivery, type SampleDelivery } from './pipeline/direct-delivery.ts';
import type { ForceBlock } from './pipeline/block.ts';
import { DEFAULT_BLOCK_SAMPLES, ForcePipeline } from './pipeline/pipeline.ts';
import { RADIO_LOSS_ATTEMPTS, RADIO_LOSS_FRAME_SAMPLES, RadioLossWatch, type RadioLossOptions } from './pipeline/radio-loss.ts';
import { REPLAY_REORDER_WINDOW } from './pipeline/reorder.ts';
import type { SampleStats } from './pipeline/samples.ts';
import type { ForceSample, PipelineEvent } from './pipeline/types.ts';
import { DEFAULT_LAYOUT } from './pipeline/types.ts';
import type { RecordedCalibration } from './recording/format.ts';
import { createRecording, recordTransport, type RecordOptions } from './recording/start.ts';
import type { RecordingWriter } from './recording/writer.ts';
import type { BoardSource } from './source.ts';
import { CommandClient, CommandError, DEFAULT_COMMAND_TIMEOUT_MS } from './transport/commands.ts';
import { defaultTransports, type TransportFactory, type TransportOptions } from './transport/open.ts';
import type { ReplayTransport } from './transport/replay.ts';
import { TransportError, type ConnectionState, type ReceivedMessage, type Transport } from './transport/transport.ts';

export type { BoardSource, RecordOptions };
export { SOFTWARE };

export interface OpenBoardOptions extends TransportOptions {
  /** Makes the transport for `source` (and carries its radio); defaults to the platform's. */
  transports?: TransportFactory;
  /** Calibration JSON overriding the board's (validated; errors name the field). */
  calibrationFile?: string | null;
  /** Start the sample stream once connected. Defaults to true (false for info/tare). */
  stream?: boolean;
  /** Record every received message to this file from before the stream starts. */
  record?: RecordOptions;
  commandTimeoutMs?: number;
  /** Samples that may wait for slow consumers (live sources). Defaults to 2400 (30 s at 80 Hz). */
  deliveryCapacity?: number;
  /** When radio losses make the host ask the board for larger frames (host/pipeline/radio-loss.ts); false never asks. */
  radioLoss?: RadioLossOptions | false;
}

/** What is known about the board: its GET_INFO answer (live) or the recording's header (replay). */
export type BoardInfo = DeviceInfo | Record<string, unknown>;

/** The pipeline's counts (frames, samples, lost, duplicates, gaps, rejected frames, device drops) and the session's own. */
export interface SessionStats extends SampleStats {
  /** Samples a slow consumer missed (live sources; see OpenBoardOptions.deliveryCapacity). */
  consumerDropped: number;
  firstT: number | null;
  lastT: number | null;
  /** Device time spanned by the samples, s. */
  durationS: number;
  /** The board's mean sample rate, Hz: index span over device-time span of the samples received
   * (lost samples count, as they were taken); null with fewer than two samples. */
  rateHz: number | null;
}

export interface BoardSession {
  readonly source: BoardSource;
  readonly transport: Transport;
  readonly info: BoardInfo | null;
  readonly samples$: Observable<ForceSample>;
  /** The same samples in blocks of typed arrays (row k of a block = one ForceSample). */
  readonly blocks$: Observable<ForceBlock>;
  readonly events$: Observable<PipelineEvent>;
  readonly state$: BehaviorSubject<ConnectionState>;
  readonly calibration: Calibration;
  /** Commands (null for a replay). */
  readonly commands: CommandClient | null;
  readonly recording: RecordingWriter | null;
  /** Resolves when the stream ends: the replay finished or the link closed for good. */
  readonly finished: Promise<void>;
  /** Sends one command (request id, timeout and reply matching by CommandClient); rejects for a replay. */
  command(cmd: Omit<CommandMessage, 'reqId'>, timeoutMs?: number): Promise<ResponseMessage>;
  /** Zeroes the board (TARE) and applies the new offsets from the next sample on. */
  tare(samples?: number): Promise<Calibration>;
  stats(): SessionStats;
  close(): Promise<void>;
}

/** Converts the board's per-cell records to a Calibration. */
export function calibrationFromBoard(records: CellCalibrationRecord[], source = 'board'): Calibration {
  const sorted = [...records].sort((a, b) => a.cell - b.cell);
  return parseCalibration(
    {
      cells: sorted.map((r) => ({ offset: r.offset, scale: r.scale })),
      positionsMm: sorted.map((r) => ({ x: r.xMm, y: r.yMm })),
    },
    source,
  );
}

export function toRecordedCalibration(c: Calibration): RecordedCalibration {
  return { cells: c.cells.map((x) => ({ offset: x.offset, scale: x.scale })), positionsMm: c.layout.cells.map((p) => ({ x: p.x, y: p.y })), source: c.source };
}

export function fromRecordedCalibration(r: RecordedCalibration | null): Calibration {
  if (!r) return defaultCalibration();
  const cal = parseCalibration({ cells: r.cells, ...(r.positionsMm ? { positionsMm: r.positionsMm } : {}) }, `recorded calibration (${r.source})`);
  return { ...cal, source: r.source };
}

/** What the session learns before streaming: from the board (live) or the recording's header (replay). */
interface Introduction {
  commands: CommandClient | null;
  info: BoardInfo | null;
  calibration: Calibration;
}

/** Asks a live board who it is and how it is calibrated (a calibration file wins over the board's). */
async function askBoard(transport: Transport, fileCal: Calibration | null, opts: OpenBoardOptions): Promise<Introduction> {
  const commands = new CommandClient(transport, opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  const di = await commands.getInfo();
  if (di.protocolMajor !== PROTOCOL_MAJOR) {
    throw new TransportError(`board speaks protocol ${di.protocolMajor}.${di.protocolMinor}, this host speaks ${PROTOCOL_MAJOR}.x: update the ${di.protocolMajor > PROTOCOL_MAJOR ? 'host (npm update)' : 'firmware (tripod flash)'}`);
  }
  const calibration = fileCal ?? calibrationFromBoard(await commands.getCalibration(), di.calibrated ? 'board' : 'board (uncalibrated defaults)');
  return { commands, info: di, calibration };
}

/**
 * Events the board sends while the session is still asking GET_INFO / GET_CALIBRATION (a
 * STORAGE_FAULT comes right after the first command) are kept and handed to the pipeline (and the
 * recording) once it exists, so none is lost between open() and the pipeline's subscription.
 * take() stops collecting and returns them.
 */
function collectEarlyEvents(transport: Transport): { take(): ReceivedMessage[] } {
  const early: ReceivedMessage[] = [];
  const sub = transport.messages$.subscribe((m) => {
    if (m.channel === 'control' && m.bytes.length > 1 && m.bytes[0] === MSG_EVENT) early.push(m);
  });
  return {
    take() {
      sub.unsubscribe();
      return early;
    },
  };
}

/** First and last sample seen (device time, index), for the session's duration and mean rate. */
class SampleSpan {
  firstT: number | null = null;
  lastT: number | null = null;
  private firstIndex = 0;
  private lastIndex = 0;

  /** Every row of a block (consecutive samples). */
  addBlock(b: ForceBlock): void {
    if (b.count === 0) return;
    if (this.firstT === null) {
      this.firstT = b.t[0]!;
      this.firstIndex = b.index[0]!;
    }
    this.lastT = b.t[b.count - 1]!;
    this.lastIndex = b.index[b.count - 1]!;
  }

  add(s: ForceSample): void {
    if (this.firstT === null) {
      this.firstT = s.t;
      this.firstIndex = s.index;
    }
    this.lastT = s.t;
    this.lastIndex = s.index;
  }

  stats(pipeline: SampleStats, consumerDropped: number): SessionStats {
    const durationS = this.firstT !== null && this.lastT !== null ? this.lastT - this.firstT : 0;
    return {
      ...pipeline,
      consumerDropped,
      firstT: this.firstT,
      lastT: this.lastT,
      durationS,
      rateHz: pipeline.samples > 1 && durationS > 0 ? (this.lastIndex - this.firstIndex) / durationS : null,
    };
  }
}

/**
 * Opens a session with one board. `source` says which (sim, BLE, serial, a recording, or a
 * transport of the caller's); `opts.transports` makes the transport (the platform radio unless
 * given another, e.g. a FakeRadio). Rejects with a TransportError (no board, no Bluetooth, protocol
 * mismatch), a CalibrationError (bad calibration file) or a file error (recording exists: code EEXIST).
 */
export async function openBoard(source: BoardSource, opts: OpenBoardOptions = {}): Promise<BoardSession> {
  // Validate the calibration file before touching any hardware: a typo should not cost a connect.
  const fileCal = opts.calibrationFile ? loadCalibrationFile(opts.calibrationFile) : null;
  const transport = await (opts.transports ?? defaultTransports()).create(source, opts);
  const replay = transport.kind === 'replay' ? (transport as ReplayTransport) : null;
  await transport.open();
  const early = replay ? null : collectEarlyEvents(transport);
  let intro: Introduction;
  try {
    intro = replay
      ? { commands: null, info: replay.header.board, calibration: fileCal ?? fromRecordedCalibration(replay.header.calibration) }
      : await askBoard(transport, fileCal, opts);
  } catch (e) {
    early?.take();
    await transport.close();
    throw e;
  }
  const { commands, info } = intro;

  const rateHz = info && typeof (info as DeviceInfo).sampleRateHz === 'number' ? (info as DeviceInfo).sampleRateHz : 80;
  // Live sources queue for their consumers (the transport never waits); a replay delivers directly.
  // Only a radio link drops notifications the board sent (serial links check and keep every frame).
  const radioLoss = opts.radioLoss !== false && (transport.kind === 'ble' || transport.kind === 'sim') ? new RadioLossWatch(opts.radioLoss) : null;
  const delivery: SampleDelivery = replay ? new DirectDelivery() : new BoundedDelivery(opts.deliveryCapacity ?? DEFAULT_DELIVERY_CAPACITY);
  const span = new SampleSpan();
  // A replay takes the batched path (blocks of typed arrays; one block per frame when paced, so
  // each sample still comes out at its time); a live board the per-sample one.
  const onBlock = (b: ForceBlock): void => {
    span.addBlock(b);
    delivery.pushBlock(b);
  };
  const pipeline = new ForcePipeline(
    intro.calibration,
    (s) => {
      span.add(s);
      delivery.pushSample(s);
    },
    (e) => {
      delivery.pushEvent(e);
      // Stream time (the gap's first sample index at the board's rate), not the host's clock: the
      // rule is about the link's loss rate, and a slow host (or an emulated board) must not change it.
      if (e.type === 'gap' && radioLoss?.note(e, (e.fromIndex * 1000) / rateHz)) void askLargerFrames();
    },
    replay ? { rateHz, reorderWindow: REPLAY_REORDER_WINDOW, onBlock, blockSamples: replay.paced ? 0 : DEFAULT_BLOCK_SAMPLES } : { rateHz },
  );

  let writer: RecordingWriter | null = null;
  if (opts.record) {
    try {
      writer = createRecording(transport, { software: SOFTWARE, board: (info as Record<string, unknown> | null) ?? null, calibration: toRecordedCalibration(intro.calibration) }, opts.record);
    } catch (e) {
      await transport.close();
      throw e;
    }
  }

  // Recorder first, so every message is on disk before anything else looks at it.
  const subs: Subscription[] = writer ? recordTransport(transport, writer) : [];
  let streaming = false;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((r) => (resolveFinished = r));
  const endStreams = (): void => {
    pipeline.flush(); // frames a replay held back to put swapped records in order
    // A replay closed by a subscriber half-way through a batch of frames (transport.close()
    // completes messages\$ from inside the pipeline's callback): the rest of the batch is dropped,
    // as the frames after it are.
    pipeline.halt();
    delivery.close();
    resolveFinished();
  };
  for (const m of early?.take() ?? []) {
    writer?.writeMessage(m.channel, m.hostTimeMs, m.bytes);
    pipeline.push(m);
  }
  subs.push(
    transport.messages$.subscribe({
      next: (m) => {
        if (replay === null || m.channel !== 'data') pipeline.push(m); // a replay's frames come through onData
      },
      complete: endStreams,
      error: (e) => {
        delivery.pushEvent({ type: 'frame-error', code: 'transport', message: (e as Error).message });
        endStreams();
      },
    }),
  );
  subs.push(
    transport.link$.subscribe((l) => {
      if (l.type === 'link-lost') pipeline.linkLost(l.hostTimeMs, l.reason);
      else if (l.type === 'link-restored') {
        pipeline.linkRestored(l.hostTimeMs);
        if (commands && streaming) void resumeStream(commands);
      } else delivery.pushEvent({ type: 'frame-error', code: 'link', message: `${l.count} bad frame(s) on the link: ${l.detail}` });
    }),
  );

  /**
   * Frames lost on the radio (a central whose connection interval carries fewer notifications than
   * the board sends; host/pipeline/radio-loss.ts): ask the board once for larger frames, and say so.
   */
  async function askLargerFrames(): Promise<void> {
    if (!commands) return;
    let n: number;
    try {
      // The answers share the overloaded radio with the frames and may be dropped too: a few tries.
      for (let attempt = 1; ; attempt++) {
        try {
          n = await commands.setFrameSamples(RADIO_LOSS_FRAME_SAMPLES);
          break;
        } catch (e) {
          if (attempt >= RADIO_LOSS_ATTEMPTS || !(e instanceof CommandError && e.timedOut)) throw e;
        }
      }
    } catch (e) {
      const pair = e instanceof CommandError && e.status === STATUS_AUTH_REQUIRED ? '; pair with `tripod pair` so the host may change its settings' : '';
      const message = `frames are being lost on the radio (the computer's Bluetooth allows fewer notifications than the board sends) and the board could not be asked for larger frames: ${(e as Error).message}${pair}`;
      delivery.pushEvent({ type: 'device-event', name: 'radio-loss', detail: { message } });
      return;
    }
    const message = `frames were lost on the radio (the computer's Bluetooth allows fewer notifications than the board sends): the board now sends ${n} samples per frame (it keeps this setting; about 25 ms more latency; \`tripod frames 2\` goes back)`;
    delivery.pushEvent({ type: 'device-event', name: 'radio-loss', detail: { samplesPerFrame: n, message } });
  }

  /**
   * The host asks for protocol 1.2 frames (commands.startStream); a board that answers 1.1 (older
   * firmware, or its JavaScript encoder) is said once per start, with what the user loses.
   */
  function noteFormat(frameFormat: number): void {
    if (frameFormat === FRAME_FORMAT_2) return;
    const message = 'the board streams protocol 1.1 frames (older firmware, or its JavaScript encoder): frames lost just before a stream start cannot be reported; update the firmware for 1.2 frames';
    delivery.pushEvent({ type: 'device-event', name: 'frame-format', detail: { frameFormat, message } });
  }

  /** After a reconnect the board may have stopped streaming (idle power-down): start it again. */
  async function resumeStream(c: CommandClient): Promise<void> {
    try {
      const di = await c.getInfo();
      if (!di.streaming) noteFormat(await c.startStream());
    } catch (e) {
      delivery.pushEvent({ type: 'device-event', name: 'resume-failed', detail: { message: (e as Error).message } });
    }
  }

  if (commands && opts.stream !== false) {
    try {
      noteFormat(await commands.startStream());
      streaming = true;
    } catch (e) {
      for (const s of subs) s.unsubscribe();
      writer?.close('start failed');
      await transport.close();
      throw e;
    }
  }

  if (replay) {
    // A tare or calibration change recorded mid-session applies from that point of the replay too
    // (unless a calibration file overrides the recording's calibration).
    subs.push(
      replay.notes$.subscribe((n) => {
        if (n.kind === 'rx-errors') delivery.pushEvent({ type: 'frame-error', code: 'link', message: `${String(n.count)} bad frame(s) on the link: ${String(n.detail)}` });
        else if (!fileCal && n.calibration) pipeline.setCalibration(fromRecordedCalibration(n.calibration as RecordedCalibration));
      }),
    );
  }
  // Frames of a replay go straight to the pipeline (no object and no Observable step per frame).
  if (replay) {
    replay.onData = (bytes, hostTimeMs) => pipeline.pushData(bytes, hostTimeMs);
    // At full speed: frames in batches of ranges of the reader's large chunks (no view, no call per frame).
    replay.onFrames = (buf, batch) => pipeline.pushFrames(buf, batch);
  }
  replay?.start(); // every subscription is in place: play
  let closed = false;
  const session: BoardSession = {
    source,
    transport,
    info,
    samples$: delivery.samples$,
    blocks$: delivery.blocks$,
    events$: delivery.events$,
    state$: transport.state$,
    get calibration() {
      return pipeline.currentCalibration;
    },
    commands,
    recording: writer,
    finished,
    async command(cmd: Omit<CommandMessage, 'reqId'>, timeoutMs?: number): Promise<ResponseMessage> {
      if (!commands) throw new TransportError('a recording cannot answer commands; open a live board (sim, BLE or serial) for that');
      return commands.request(cmd, timeoutMs);
    },
    async tare(samples = 0): Promise<Calibration> {
      if (!commands) throw new TransportError('a recording cannot be tared; tare a live board');
      const offsets = await commands.tare(samples);
      const cur = pipeline.currentCalibration;
      const next: Calibration = {
        ...cur,
        cells: cur.cells.map((c, i) => ({ offset: offsets[i] ?? c.offset, scale: c.scale })) as Calibration['cells'],
      };
      pipeline.setCalibration(next);
      writer?.writeNote({ kind: 'tare', hostTimeMs: Date.now(), offsets, calibration: toRecordedCalibration(next) });
      return next;
    },
    stats(): SessionStats {
      return span.stats(pipeline.stats, delivery.dropped);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (commands && streaming && transport.state$.value === 'connected') {
        try {
          await commands.request({ code: CMD_STOP_STREAM }, 1000);
        } catch {
          // the board may be gone; closing anyway
        }
      }
      await transport.close();
      for (const s of subs) s.unsubscribe();
      writer?.close('closed');
      endStreams();
    },
  };
  return session;
}

/** Layout used when nothing else says where the cells are. */
export { DEFAULT_LAYOUT };
