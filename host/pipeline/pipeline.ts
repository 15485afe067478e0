/**
 * The whole host pipeline for one board, synchronous and pure (no rxjs, no I/O):
 * received messages -> samples (samples.ts) -> calibration -> forces, total, CoP (cop.ts),
 * plus device events from the control channel. Live sessions wrap it in rxjs (host/session.ts);
 * replay/export/bench drive it directly for speed.
 */
import { CMD_SET_SAMPLE_RATE, CMD_START_STREAM, STATUS_OK, decodeDeviceMessage, EVT_BATTERY_LOW, EVT_CELL_FAULT, EVT_OVERFLOW, EVT_STORAGE_FAULT, EVENT_CODES, STORAGE_FAULT_CALIBRATION, STORAGE_FAULT_SETTINGS } from '../../protocol/index.ts';
import type { FrameBatch } from '../recording/codec.ts';
import type { ReceivedMessage } from '../transport/transport.ts';
import type { Calibration } from './calibration.ts';
import { MIN_COP_LOAD_N, toForceSample } from './cop.ts';
import { ForceBlockBuilder, type ForceBlock } from './block.ts';
import { FrameReorder } from './reorder.ts';
import { SampleStage, type RawSample, type SampleStats } from './samples.ts';
import type { ForceSample, PipelineEvent } from './types.ts';

export interface PipelineOptions {
  rateHz?: number;
  /** Minimum total force for a CoP, N. Defaults to MIN_COP_LOAD_N (20 N). */
  minLoadN?: number;
  /** Frames held to put out-of-order frames back in order (reorder.ts); 0 (default) = none. Replays use REPLAY_REORDER_WINDOW. */
  reorderWindow?: number;
  /**
   * The batched path (replays): calibrated samples go to this callback in ForceBlocks of up to
   * `blockSamples` rows instead of one ForceSample each to onSample (which is then not called).
   * A block ends before every event, so events keep their place between samples.
   */
  onBlock?: (b: ForceBlock) => void;
  /** Rows per block on the batched path (default 4096); 0 = one block per frame (paced replays). */
  blockSamples?: number;
}

/** Frames per FrameReorder.pushBatch() call. */
const BATCH_SLICE = 256;

/** Rows per ForceBlock on the batched path. */
export const DEFAULT_BLOCK_SAMPLES = 4096;

export class ForcePipeline {
  private readonly stage: SampleStage;
  private readonly minLoadN: number;
  /** Device events whose sequence numbers skipped (events lost on the link). */
  lostDeviceEvents = 0;
  private lastEventSeq: number | null = null;

  constructor(
    private calibration: Calibration,
    private readonly onSample: (s: ForceSample) => void,
    private onEvent: (e: PipelineEvent) => void,
    opts: PipelineOptions = {},
  ) {
    this.minLoadN = opts.minLoadN ?? MIN_COP_LOAD_N;
    const onBlock = opts.onBlock ?? null;
    if (onBlock === null) {
      this.stage = new SampleStage((s) => this.emit(s), onEvent, { rateHz: opts.rateHz ?? 80 });
    } else {
      const perFrame = opts.blockSamples === 0;
      const builder = new ForceBlockBuilder(perFrame ? 64 : (opts.blockSamples ?? DEFAULT_BLOCK_SAMPLES));
      const emitBlock = (): void => {
        const b = builder.take();
        if (b !== null) onBlock(b);
      };
      this.endBlock = emitBlock;
      this.onEvent = (e) => {
        emitBlock();
        onEvent(e);
      };
      this.stage = new SampleStage(() => undefined, this.onEvent, {
        rateHz: opts.rateHz ?? 80,
        onFrame: (f) => {
          if (!builder.fits(f.count)) emitBlock();
          builder.add(f, this.calibration, this.minLoadN);
          if (perFrame) emitBlock();
        },
      });
    }
    const stage = this.stage;
    this.reorder = opts.reorderWindow
      ? new FrameReorder(
          opts.reorderWindow,
          () => stage.expectedDeviceIndex,
          (buf, start, end, t) => stage.pushRange(buf, start, end, t),
          (buf, b, from, to) => stage.pushFrames(buf, b.start, b.end, b.hostTimeMs, from, to),
        )
      : null;
  }

  private readonly reorder: FrameReorder | null;

  /** Ends the block being filled on the batched path (no-op otherwise). */
  private readonly endBlock: () => void = () => undefined;

  /** Delivers frames held for reordering and the block being filled (call at the end of the stream). */
  flush(): void {
    if (this.reorder) {
      this.reorder.flush();
      this.stage.stats.reordered = this.reorder.reordered;
    }
    this.endBlock();
  }

  /** Takes no more frames (the stream ended: a replay closed half-way through a batch of frames). */
  halt(): void {
    this.reorder?.halt();
    this.stage.halt();
  }

  get stats(): SampleStats {
    return this.stage.stats;
  }

  get currentCalibration(): Calibration {
    return this.calibration;
  }

  /** New calibration (after a tare or a calibration change); applies from the next sample. */
  setCalibration(cal: Calibration): void {
    this.calibration = cal;
  }

  setRate(hz: number): void {
    this.stage.setRate(hz);
  }

  /** One sample frame (a data message), received at hostTimeMs (ms since the epoch). */
  pushData(bytes: Uint8Array, hostTimeMs: number): void {
    this.pushFrame(bytes, 0, bytes.length, hostTimeMs);
  }

  /**
   * pushData() for the frame held in bytes [start, end) of `buf` (a recording read in large chunks:
   * no view per frame); the pipeline copies what it keeps of `buf` (it may be written again after the call).
   */
  pushFrame(buf: Uint8Array, start: number, end: number, hostTimeMs: number): void {
    const reorder = this.reorder;
    if (reorder !== null) {
      reorder.pushRange(buf, start, end, hostTimeMs);
      this.stage.stats.reordered = reorder.reordered;
    } else {
      this.stage.pushRange(buf, start, end, hostTimeMs);
    }
  }

  /**
   * pushFrame() for each frame of a batch, in order (a recording read in large chunks: one call for
   * thousands of frames); the pipeline copies what it keeps of `buf`.
   */
  pushFrames(buf: Uint8Array, b: FrameBatch): void {
    const reorder = this.reorder;
    if (reorder !== null) {
      // In slices: a loop of thousands compiled while it runs bails out after it.
      for (let i = 0; i < b.count; i += BATCH_SLICE) reorder.pushBatch(buf, b, i, Math.min(b.count, i + BATCH_SLICE)); // a halted reorder takes none
      this.stage.stats.reordered = reorder.reordered;
    } else {
      this.stage.pushFrames(buf, b.start, b.end, b.hostTimeMs, 0, b.count);
    }
  }

  push(msg: ReceivedMessage): void {
    if (msg.channel === 'data') {
      this.pushData(msg.bytes, msg.hostTimeMs);
      return;
    }
    this.flush(); // a control message keeps its place among the frames
    const d = decodeDeviceMessage(msg.bytes);
    if (!d.ok) {
      this.onEvent({ type: 'frame-error', code: 'control', message: d.reason });
      return;
    }
    if (d.kind !== 'event') {
      // Responses belong to the command client; a START_STREAM acknowledgement tells the sample
      // stage a new stream begins (so a lost first frame is not mistaken for old indices).
      if (d.response.code === CMD_START_STREAM && d.response.status === STATUS_OK) this.stage.expectStreamStart(d.response.bootId);
      if (d.response.code === CMD_SET_SAMPLE_RATE && d.response.status === STATUS_OK && d.response.sampleRateHz) this.stage.rateChanged(d.response.sampleRateHz);
      return;
    }
    const e = d.event;
    if (this.lastEventSeq !== null) {
      const skipped = (e.seq - this.lastEventSeq - 1 + 256) & 0xff;
      this.lostDeviceEvents += skipped;
    }
    this.lastEventSeq = e.seq;
    if (e.code === EVT_OVERFLOW) {
      const dropped = e.dropped ?? 0;
      this.stage.deviceDropped(dropped);
      this.onEvent({ type: 'device-overflow', dropped });
      return;
    }
    const name = Object.entries(EVENT_CODES).find(([, c]) => c === e.code)?.[0]?.toLowerCase().replace(/_/g, '-') ?? `event-0x${e.code.toString(16)}`;
    const detail: Record<string, unknown> = { seq: e.seq };
    if (e.code === EVT_BATTERY_LOW) Object.assign(detail, { batteryPercent: e.batteryPercent, batteryMv: e.batteryMv });
    if (e.code === EVT_CELL_FAULT) Object.assign(detail, { cell: e.cell, fault: e.fault, index: e.index });
    if (e.code === EVT_STORAGE_FAULT) Object.assign(detail, storageFaultDetail(e.storage ?? 0));
    this.onEvent({ type: 'device-event', name, detail });
  }

  linkLost(hostTimeMs: number, reason: string): void {
    this.flush();
    this.stage.linkLost(reason);
    this.onEvent({ type: 'link-lost', hostTimeMs, reason });
  }

  linkRestored(hostTimeMs: number): void {
    this.onEvent({ type: 'link-restored', hostTimeMs });
  }

  private emit(s: RawSample): void {
    const c = s.counts;
    const o = s.at;
    this.onSample(toForceSample(s.index, s.t, s.hostTimeMs, [c[o]!, c[o + 1]!, c[o + 2]!, c[o + 3]!], s.flags, this.calibration, this.minLoadN));
  }
}

/**
 * What a STORAGE_FAULT event means, for people: which stored record was corrupt, that the board now
 * runs on defaults, and what to do.
 */
export function storageFaultDetail(bits: number): { storage: number; settings: boolean; calibration: boolean; message: string } {
  const settings = (bits & STORAGE_FAULT_SETTINGS) !== 0;
  const calibration = (bits & STORAGE_FAULT_CALIBRATION) !== 0;
  const what = settings && calibration ? 'settings and calibration were' : settings ? 'settings were' : calibration ? 'calibration was' : `records (bits 0x${bits.toString(16)}) were`;
  const todo = [settings ? 'set the sample rate and name again' : '', calibration ? "run 'tripod calibrate' (the board is uncalibrated)" : ''].filter((x) => x !== '').join(' and ');
  return {
    storage: bits,
    settings,
    calibration,
    message: `the board's stored ${what} corrupt in flash; it runs on defaults${todo ? `: ${todo}` : ''}`,
  };
}
