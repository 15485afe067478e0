/**
 * Connects a live hub to the clinic store: the patient the trials are for, the CoP trace of each
 * trial (kept from the session's samples while it runs), and storing each finished trial the
 * moment the hub reports it (one transaction; the page is told when it is stored, or why not).
 */
import type { Observable, Subscription } from 'rxjs';
import type { ForceSample } from '../pipeline/types.ts';
import type { LiveHub } from '../live/hub.ts';
import type { FootGeometry, ResultRow, TrialResultView } from '../live/messages.ts';
import { TRACE_MAX, type BoardInfo, type ClinicStore, type NewTrial, type Patient, type TrialSummary } from './types.ts';

export interface ClinicLinkOptions {
  store: ClinicStore;
  hub: LiveHub;
  samples$: Observable<ForceSample>;
  board: BoardInfo;
  /** The calibration in force when a trial ends (it changes on tare). */
  calibration(): unknown;
  /** The file every received frame is recorded to, or null. */
  recording: string | null;
  /** The foot drawn for a setup (to store with the trial). */
  geometry(foot: 'left' | 'right'): FootGeometry | null;
  /** The patient selected at start (code), if any. */
  patient?: string | null;
}

/** CoP ring: 200 s at up to 200 Hz. */
const RING = 40_000;

export class ClinicLink {
  private current: Patient | null = null;
  private readonly sub: Subscription;
  private readonly t = new Float64Array(RING);
  private readonly x = new Float64Array(RING);
  private readonly y = new Float64Array(RING);
  private n = 0;
  private pending: Promise<unknown> = Promise.resolve();
  /** Trials stored by this link (ids), and failures, for the curious and the tests. */
  readonly stored: number[] = [];
  readonly failures: string[] = [];

  private constructor(private readonly o: ClinicLinkOptions) {
    this.sub = o.samples$.subscribe((s) => {
      if (!s.cop) return;
      const i = this.n % RING;
      this.t[i] = s.t;
      this.x[i] = s.cop.x;
      this.y[i] = s.cop.y;
      this.n++;
    });
    o.hub.onResult((view) => {
      this.pending = this.save(view);
    });
  }

  static async start(o: ClinicLinkOptions): Promise<ClinicLink> {
    const link = new ClinicLink(o);
    if (o.patient) {
      const p = await o.store.patient(o.patient);
      if (!p) {
        link.stop();
        throw new Error(`no patient with code '${o.patient}' in the clinic store (create it on the page or with tripod patients --add CODE)`);
      }
      link.current = p;
    }
    return link;
  }

  get store(): ClinicStore {
    return this.o.store;
  }

  get patient(): Patient | null {
    return this.current;
  }

  select(p: Patient | null): void {
    this.current = p;
  }

  /** Resolves when the last finished trial has been written (or failed). */
  flushed(): Promise<unknown> {
    return this.pending;
  }

  stop(): void {
    this.sub.unsubscribe();
  }

  /** The CoP samples between two device times, decimated to at most TRACE_MAX points. */
  trace(fromT: number, toT: number): NewTrial['trace'] {
    const first = Math.max(0, this.n - RING);
    const idx: number[] = [];
    for (let k = first; k < this.n; k++) {
      const tk = this.t[k % RING]!;
      if (tk >= fromT && tk <= toT) idx.push(k % RING);
    }
    const step = Math.max(1, Math.ceil(idx.length / TRACE_MAX));
    const out: NewTrial['trace'] = { t: [], x: [], y: [] };
    for (let j = 0; j < idx.length; j += step) {
      const i = idx[j]!;
      out.t.push(Math.round(this.t[i]! * 1e4) / 1e4);
      out.x.push(Math.round(this.x[i]! * 100) / 100);
      out.y.push(Math.round(this.y[i]! * 100) / 100);
    }
    return out;
  }

  private async save(view: TrialResultView): Promise<void> {
    const patient = this.current;
    if (!patient) {
      this.o.hub.notify({ type: 'clinic', stored: null, error: 'Not stored: choose or add a patient first (Patient panel).' });
      return;
    }
    try {
      const r = (view.result ?? {}) as { startT?: number; endT?: number; completed?: boolean };
      const trial: NewTrial = {
        patientId: patient.id,
        endedAt: view.endedAt,
        conditions: { foot: view.setup.foot, eyes: view.setup.eyes, surface: view.setup.surface, durationS: view.setup.durationS },
        summary: summaryFromRows(view.rows, r.completed === true),
        rows: view.rows,
        result: view.result,
        trace: typeof r.startT === 'number' && typeof r.endT === 'number' ? this.trace(r.startT, r.endT) : { t: [], x: [], y: [] },
        geometry: this.o.geometry(view.setup.foot),
        recording: this.o.recording,
        fromIndex: view.fromIndex,
        toIndex: view.toIndex,
        board: this.o.board,
        calibration: this.o.calibration(),
      };
      const stored = await this.o.store.addTrial(trial);
      this.stored.push(stored.id);
      this.o.hub.notify({ type: 'clinic', stored: { trialId: stored.id, patient: patient.code }, error: null });
    } catch (e) {
      const msg = `Trial NOT stored for ${patient.code}: ${(e as Error).message}. The result stays on this page; download it (JSON/CSV).`;
      this.failures.push(msg);
      this.o.hub.notify({ type: 'clinic', stored: null, error: msg });
    }
  }
}

/** The history columns, from the result table (the numbers the page shows). */
export function summaryFromRows(rows: ResultRow[], completed: boolean): TrialSummary {
  const v = (k: string): number | null => {
    const r = rows.find((x) => x.key === k);
    return r && r.value !== null && Number.isFinite(r.value) ? r.value : null;
  };
  return {
    timeHeldS: v('timeHeldS'),
    errors: v('errors'),
    touchDowns: v('touchDowns'),
    completed,
    inZonePct: v('inZonePct'),
    heelPct: v('heelPct'),
    mt1Pct: v('mt1Pct'),
    mt5Pct: v('mt5Pct'),
    velocityMmS: v('velocityMmS'),
    area95Mm2: v('area95Mm2'),
  };
}
