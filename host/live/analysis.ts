/**
 * The seam between the live hub and the scoring: everything the page shows about the stance comes
 * through this interface, so the hub and its tests do not depend on how scoring computes it.
 * The real implementation is host/live/scoring-analysis.ts (over host/scoring/).
 */
import type { ForceSample } from '../pipeline/types.ts';
import type { ComparisonView, FootGeometry, LiveScoreView, ResultRow, TrialSetup } from './messages.ts';

/** What a trial run reports as samples go in. Times are device time, s. */
export type TrialUpdate =
  | { type: 'started'; t: number }
  | { type: 'touchdown'; t: number; trialS: number }
  | { type: 'touchdown-end'; t: number; durationS: number }
  | { type: 'ended'; t: number; reason: string; result: unknown }
  /** Something the therapist should read (body weight measured, wrong foot, step-off). */
  | { type: 'note'; t: number; text: string };

export interface TrialRun {
  /** Feeds one sample; returns what happened on it (usually nothing). */
  push(sample: ForceSample): TrialUpdate[];
  /** Ends the trial now (therapist pressed stop); returns the result, or null when it never started. */
  stop(): unknown | null;
}

export interface LiveScorer {
  push(sample: ForceSample): LiveScoreView;
  /** Restarts the % time in zone and the rolling summaries. */
  reset(): void;
}

export interface LiveAnalysis {
  /** The foot drawn on the plate for this setup. */
  geometry(setup: TrialSetup): FootGeometry;
  createLiveScorer(setup: TrialSetup): LiveScorer;
  createTrial(setup: TrialSetup): TrialRun;
  /** The result table of one trial, from the scorer's result record. */
  resultRows(result: unknown): ResultRow[];
  /** Left/right comparison rows of two results (same eyes condition). */
  compare(left: unknown, right: unknown): ComparisonView['rows'];
}
