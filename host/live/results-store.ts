/**
 * The trials of one `tripod live` run: their result tables, the left/right comparison, and the
 * downloads (JSON, CSV). Every number comes from the scorer's result through LiveAnalysis, so the
 * page, the downloads and the host agree.
 */
import type { LiveAnalysis } from './analysis.ts';
import type { ComparisonView, ResultsMessage, TrialResultView } from './messages.ts';
import type { FinishedTrial } from './trial-controller.ts';

export class ResultsStore {
  private readonly trials: TrialResultView[] = [];

  constructor(private readonly analysis: LiveAnalysis) {}

  add(trial: FinishedTrial, endedAt: Date = new Date()): TrialResultView {
    const view: TrialResultView = {
      id: this.trials.length + 1,
      setup: { ...trial.setup },
      endedAt: endedAt.toISOString(),
      fromIndex: trial.fromIndex,
      toIndex: trial.toIndex,
      rows: this.analysis.resultRows(trial.result),
      result: trial.result,
    };
    this.trials.push(view);
    return view;
  }

  list(): TrialResultView[] {
    return this.trials.slice();
  }

  /** The latest left and right trial of each eyes condition, compared (only where both exist). */
  comparisons(): ComparisonView[] {
    const out: ComparisonView[] = [];
    for (const eyes of ['open', 'closed'] as const) {
      const left = this.latest('left', eyes);
      const right = this.latest('right', eyes);
      if (!left || !right) continue;
      out.push({ eyes, leftId: left.id, rightId: right.id, rows: this.analysis.compare(left.result, right.result) });
    }
    return out;
  }

  message(): ResultsMessage {
    return { type: 'results', trials: this.list(), comparisons: this.comparisons() };
  }

  /** Everything as one JSON document (the page's "Download JSON"). */
  toJson(): string {
    return `${JSON.stringify({ format: 'tripod-live-results', version: 1, ...this.message(), type: undefined }, null, 2)}\n`;
  }

  /**
   * One row per trial, one column per result row key (with its unit in the header), plus the setup.
   * Plain RFC 4180 CSV: comma separated, header row, numbers in full precision, empty cell for null.
   */
  toCsv(): string {
    const keys: string[] = [];
    const headers: string[] = [];
    for (const t of this.trials) {
      for (const r of t.rows) {
        if (keys.includes(r.key)) continue;
        keys.push(r.key);
        headers.push(csvHeader(r.key, r.unit));
      }
    }
    const lines = [['trial', 'foot', 'eyes', 'surface', 'duration_set_s', 'ended_at', 'from_index', 'to_index', ...headers].map(csvCell).join(',')];
    for (const t of this.trials) {
      const byKey = new Map(t.rows.map((r) => [r.key, r.value]));
      const cells: (string | number | null)[] = [t.id, t.setup.foot, t.setup.eyes, t.setup.surface, t.setup.durationS, t.endedAt, t.fromIndex, t.toIndex];
      for (const k of keys) cells.push(byKey.get(k) ?? null);
      lines.push(cells.map(csvCell).join(','));
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  private latest(foot: 'left' | 'right', eyes: 'open' | 'closed'): TrialResultView | undefined {
    for (let i = this.trials.length - 1; i >= 0; i--) {
      const t = this.trials[i]!;
      if (t.setup.foot === foot && t.setup.eyes === eyes) return t;
    }
    return undefined;
  }
}

/** Unit suffixes of CSV column names: mm² -> mm2, mm/s -> mm_s, % -> pct, % pts -> pct_pts. */
export function unitSlug(unit: string): string {
  return unit.replace(/²/g, '2').replace(/%/g, 'pct').replace(/\//g, '_').replace(/\s+/g, '_').replace(/[^A-Za-z0-9_]/g, '');
}

/** Unit names a result key may already end with (timeHeldS, area95Mm2, velocityMmS...). */
const KEY_UNIT_SUFFIX = /(Mm2S|Mm2|MmS|Mm|Pct|Hz|S|N)$/;

/**
 * A CSV column name: the key without its unit suffix, then _ and the unit slug
 * (timeHeldS + s -> timeHeld_s, area95Mm2 + mm² -> area95_mm2, velocityMmS + mm/s -> velocity_mm_s,
 * bodyWeightN + N -> bodyWeight_N); no unit: the key as is.
 */
export function csvHeader(key: string, unit: string): string {
  if (!unit) return key;
  const slug = unitSlug(unit);
  return `${key.replace(KEY_UNIT_SUFFIX, '')}_${slug}`;
}

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
