/**
 * Runs trials on the host from the page's commands: setup, start (with a countdown), stop. Time is
 * the samples' device time, so a replay at any speed runs the same trial. The trial detector (from
 * the scoring, behind LiveAnalysis) decides when the stance starts, the touch-downs and the end; this
 * file only sequences it and keeps the state the page shows.
 */
import type { ForceSample } from '../pipeline/types.ts';
import type { LiveAnalysis, TrialRun } from './analysis.ts';
import type { TouchdownMark, TrialPhase, TrialSetup, TrialStateMessage } from './messages.ts';

/** Countdown between "start" and arming the trial detector, s of device time. */
export const COUNTDOWN_S = 3;

/** A finished trial, as the controller hands it to the results store. */
export interface FinishedTrial {
  setup: TrialSetup;
  fromIndex: number;
  toIndex: number;
  result: unknown;
}

export interface TrialControllerEvents {
  /** Called on every state change the page should see. */
  onState(state: TrialStateMessage): void;
  /** Called once per trial that produced a result. */
  onResult(trial: FinishedTrial): void;
  /** Called when the stance starts (the live score restarts its % in zone then). */
  onStanceStart(): void;
}

export class TrialController {
  private phase: TrialPhase = 'idle';
  private setupValue: TrialSetup;
  private countdownEndT: number | null = null;
  private startRequested = false;
  private lastT: number | null = null;
  private run: TrialRun | null = null;
  private fromIndex = -1;
  private lastIndex = -1;
  private startT: number | null = null;
  private touchdowns: TouchdownMark[] = [];
  private note = 'Set the foot, eyes and duration, then press Start.';
  private lastStateSentT = -Infinity;

  constructor(
    private readonly analysis: LiveAnalysis,
    initial: TrialSetup,
    private readonly events: TrialControllerEvents,
  ) {
    this.setupValue = { ...initial };
  }

  get setup(): TrialSetup {
    return { ...this.setupValue };
  }

  /** Changes the setup; refused (returns an error line) while a trial is under way. */
  configure(setup: TrialSetup): string | null {
    if (this.phase === 'countdown' || this.phase === 'waiting' || this.phase === 'running') {
      return 'cannot change the setup during a trial; press Stop first';
    }
    this.setupValue = { ...setup };
    this.phase = 'idle';
    this.note = 'Ready. Press Start.';
    this.emit();
    return null;
  }

  /** Starts the countdown; the detector is armed when it ends. */
  start(): string | null {
    if (this.phase === 'countdown' || this.phase === 'waiting' || this.phase === 'running') {
      return 'a trial is already under way';
    }
    this.phase = 'countdown';
    this.touchdowns = [];
    this.startT = null;
    this.run = null;
    this.startRequested = true;
    this.countdownEndT = this.lastT === null ? null : this.lastT + COUNTDOWN_S;
    this.note = `Stand on the ${this.setupValue.foot} foot, eyes ${this.setupValue.eyes}.`;
    this.emit();
    return null;
  }

  /** Stops the trial: a countdown is cancelled, a running trial ends with its result so far. */
  stop(): void {
    if (this.phase === 'countdown') {
      this.phase = 'idle';
      this.startRequested = false;
      this.note = 'Countdown cancelled.';
      this.emit();
      return;
    }
    if ((this.phase === 'waiting' || this.phase === 'running') && this.run) {
      const result = this.run.stop();
      this.finish(result, 'Stopped by the therapist.');
    }
  }

  /** Whether a trial is under way (countdown, waiting for the stance, or running). */
  get active(): boolean {
    return this.phase === 'countdown' || this.phase === 'waiting' || this.phase === 'running';
  }

  /** Ends the trial under way without a result (its data is no longer valid: e.g. the board was tared). */
  abort(note: string): void {
    if (!this.active) return;
    this.run = null;
    this.phase = 'done';
    this.startRequested = false;
    this.note = `${note} No result was saved.`;
    this.emit();
  }

  /** Feeds one sample (every sample the host receives, in order). */
  push(s: ForceSample): void {
    this.lastT = s.t;
    this.lastIndex = s.index;
    if (this.phase === 'countdown') {
      if (this.countdownEndT === null && this.startRequested) this.countdownEndT = s.t + COUNTDOWN_S;
      if (this.countdownEndT !== null && s.t >= this.countdownEndT) {
        this.phase = 'waiting';
        this.run = this.analysis.createTrial(this.setupValue);
        this.fromIndex = s.index;
        this.note = 'Waiting for a steady stance on the board.';
        this.emit();
      } else {
        this.emitThrottled(s.t);
        return;
      }
    }
    if ((this.phase === 'waiting' || this.phase === 'running') && this.run) {
      for (const u of this.run.push(s)) {
        switch (u.type) {
          case 'started':
            this.phase = 'running';
            this.startT = u.t;
            this.note = 'Hold the stance.';
            this.events.onStanceStart();
            this.emit();
            break;
          case 'touchdown':
            this.touchdowns.push({ t: u.t, trialS: u.trialS, durationS: null });
            this.emit();
            break;
          case 'touchdown-end': {
            const last = this.touchdowns[this.touchdowns.length - 1];
            if (last && last.durationS === null) last.durationS = u.durationS;
            this.emit();
            break;
          }
          case 'note':
            this.note = u.text;
            this.emit();
            break;
          case 'ended':
            this.finish(u.result, `Trial ended: ${u.reason}.`);
            return;
        }
      }
      if (this.phase === 'running' || this.phase === 'waiting') this.emitThrottled(s.t);
    }
  }

  state(): TrialStateMessage {
    return {
      type: 'trial',
      phase: this.phase,
      setup: { ...this.setupValue },
      countdownS:
        this.phase === 'countdown'
          ? this.countdownEndT === null || this.lastT === null
            ? COUNTDOWN_S
            : Math.max(0, this.countdownEndT - this.lastT)
          : null,
      elapsedS: this.phase === 'running' && this.startT !== null && this.lastT !== null ? this.lastT - this.startT : null,
      startT: this.startT,
      touchdowns: this.touchdowns.map((m) => ({ ...m })),
      note: this.note,
    };
  }

  private finish(result: unknown | null, note: string): void {
    const toIndex = this.lastIndex;
    this.run = null;
    this.phase = 'done';
    this.startRequested = false;
    this.note = result === null ? `${note} The stance never started: no result.` : note;
    this.emit();
    if (result !== null) this.events.onResult({ setup: { ...this.setupValue }, fromIndex: this.fromIndex, toIndex, result });
  }

  private emitThrottled(t: number): void {
    if (t - this.lastStateSentT >= 0.25) this.emit();
  }

  private emit(): void {
    this.lastStateSentT = this.lastT ?? -Infinity;
    this.events.onState(this.state());
  }
}
