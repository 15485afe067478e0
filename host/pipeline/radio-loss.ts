/**
 * Frames lost on the radio, not on the board: at the reference 2 samples per frame the board sends
 * 40 notifications/s at 80 Hz, one per connection event at most; a central that grants an interval
 * over about 25 ms carries fewer, and the board's radio drops the rest without telling the board
 * (protocol/SPEC.md 4.5, firmware/README.md "Pacing"). Each lost DELTA costs the host the rest of
 * its KEY interval, so such a link delivers a small part of the samples.
 *
 * The host sees it as gaps the board did not cause (reason 'frames lost', not a device overflow,
 * a link loss or a stream restart). `RadioLossWatch` counts them; after `gaps` such gaps within
 * `windowMs` of stream time it says, once, that the board should be asked for more samples per frame (fewer,
 * larger notifications; the session asks for RADIO_LOSS_FRAME_SAMPLES).
 */
import type { PipelineEvent } from './types.ts';

/** Samples per frame the session asks for after radio losses: 20 frames/s at 80 Hz, which a 50 ms interval still carries. */
export const RADIO_LOSS_FRAME_SAMPLES = 4;

/** Tries of that command: its answers travel on the overloaded radio and may be dropped as well. */
export const RADIO_LOSS_ATTEMPTS = 5;

export interface RadioLossOptions {
  /** Gaps of lost frames that make the decision (default 2: the BLE link layer retransmits, so on a radio link frames go missing only when the board's transmit queue overflows). */
  gaps?: number;
  /** Within this much stream time, ms (default 5000). */
  windowMs?: number;
}

export class RadioLossWatch {
  private readonly gaps: number;
  private readonly windowMs: number;
  private readonly times: number[] = [];
  private decided = false;

  constructor(o: RadioLossOptions = {}) {
    this.gaps = o.gaps ?? 2;
    this.windowMs = o.windowMs ?? 5000;
  }

  /**
   * Feeds one pipeline event; `nowMs` is its stream time, ms (the gap's first sample index over the
   * sample rate: the session's choice, so that a slow host or an emulated board running slower than
   * real time sees the same rule). True exactly once, when larger frames should be asked for. Time
   * going backwards (a board that rebooted and counts from 0 again) starts the count afresh.
   */
  note(e: PipelineEvent, nowMs: number): boolean {
    if (this.decided || e.type !== 'gap' || !e.reason.startsWith('frames lost')) return false;
    if (this.times.length > 0 && nowMs < this.times[this.times.length - 1]!) this.times.length = 0;
    this.times.push(nowMs);
    while (this.times.length > 0 && this.times[0]! < nowMs - this.windowMs) this.times.shift();
    if (this.times.length < this.gaps) return false;
    this.decided = true;
    return true;
  }
}
