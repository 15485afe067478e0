/**
 * The printable report: one A4 page per session (patient code, date, board, the trials table with
 * units, the CoP trace over the foot with the tripod triangle, the shares, the progress charts up
 * to that session, the next level), plus a legend saying what every number means. Plain HTML with
 * inline CSS and SVG: opens in any browser, prints to PDF without scripts.
 */
import { buildProgress, LEVELS, METRICS, type Progress } from './progress.ts';
import { esc, svgProgressChart, svgTrace } from './svg.ts';
import type { ClinicStore, Patient, ProgressionRule, Session, StoredTrial, StoredTrialDetail } from './types.ts';

/** Trials whose CoP trace is drawn per session page (the table lists all of them). */
export const TRACES_PER_PAGE = 6;
/** Trial rows per session page; more go to a continuation page. */
export const ROWS_PER_PAGE = 14;

const CSS = `
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font: 9.5pt/1.3 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0; background: #fff; }
.sheet { width: 100%; max-width: 186mm; margin: 0 auto; break-after: page; page-break-after: always; }
.sheet:last-of-type { break-after: auto; page-break-after: auto; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
h2 { font-size: 11pt; margin: 4mm 0 1.5mm; border-bottom: 0.3mm solid #888; }
.meta { display: flex; flex-wrap: wrap; gap: 2mm 8mm; font-size: 9pt; color: #333; }
.meta b { color: #000; }
table { border-collapse: collapse; width: 100%; font-size: 7.8pt; table-layout: fixed; }
th, td { border-bottom: 0.2mm solid #bbb; padding: 0.8mm 0.8mm; text-align: right; overflow-wrap: anywhere; }
th { font-weight: 600; background: #f0f0f0; font-size: 7.2pt; overflow-wrap: normal; word-break: keep-all; }
th:nth-child(-n+3), td:nth-child(-n+3) { text-align: left; }
th small { display: block; font-weight: 400; color: #555; }
.traces { display: grid; grid-template-columns: repeat(3, 1fr); gap: 2mm; }
.tr { border: 0.2mm solid #ccc; padding: 1mm; text-align: center; font-size: 7.5pt; break-inside: avoid; }
.tr svg { width: 100%; max-width: 40mm; height: auto; }
.bar { display: flex; height: 2.5mm; margin-top: 0.8mm; }
.bar i { display: block; height: 100%; }
.trace .foot { fill: #f3f3f3; stroke: #777; stroke-width: 0.8; }
.trace .zone { fill: rgba(0, 158, 115, 0.25); stroke: #009e73; stroke-width: 0.8; }
.trace .tri { fill: none; stroke: #333; stroke-width: 0.8; stroke-dasharray: 3 2; }
.trace .cop { fill: none; stroke: #0072b2; stroke-width: 0.7; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 1mm 4mm; }
.chart { margin: 0; break-inside: avoid; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .ct { font-size: 9px; font-weight: 600; }
.chart .ax, .trace .ax { font-size: 7.5px; fill: #444; }
.chart .grid { stroke: #ddd; stroke-width: 0.6; }
.chart figcaption { font-size: 7pt; display: flex; flex-wrap: wrap; gap: 1mm 3mm; }
.chart figcaption i { display: inline-block; width: 3mm; height: 1.5mm; margin-right: 1mm; vertical-align: middle; }
.next { font-size: 9pt; margin: 1mm 0; }
dl.legend { display: grid; grid-template-columns: max-content 1fr; gap: 0.5mm 3mm; font-size: 7.5pt; margin: 0; }
dl.legend dt { font-weight: 600; }
dl.legend dd { margin: 0; }
.muted { color: #555; font-size: 8pt; }
@media screen { body { background: #ddd; } .sheet { background: #fff; padding: 10mm; margin: 6mm auto; box-shadow: 0 1mm 4mm rgba(0,0,0,.3); } }
`;

const SHARE_COLOURS = { heel: '#0072b2', mt1: '#d55e00', mt5: '#009e73' };

function f(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

function time(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

function trialsTable(trials: StoredTrial[], numberFrom: number): string {
  const head = `<tr><th style="width:4%">#</th><th style="width:7%">Time</th><th style="width:16%">Foot · eyes · surface</th><th>Set<small>s</small></th><th>Held<small>s</small></th><th>Errors<small>count</small></th><th>In zone<small>%</small></th><th>Heel<small>%</small></th><th>1st MT<small>%</small></th><th>5th MT<small>%</small></th><th>Velocity<small>mm/s</small></th><th>Area<small>mm²</small></th></tr>`;
  const rows = trials
    .map((t, i) => {
      const s = t.summary;
      const c = t.conditions;
      return `<tr data-trial="${t.id}"><td>${numberFrom + i}</td><td>${time(t.endedAt)}</td><td>${c.foot === 'left' ? 'L' : 'R'} · ${c.eyes} · ${c.surface}</td><td>${f(c.durationS, 0)}</td><td>${f(s.timeHeldS, 1)}</td><td>${f(s.errors, 0)}</td><td>${f(s.inZonePct, 1)}</td><td>${f(s.heelPct, 1)}</td><td>${f(s.mt1Pct, 1)}</td><td>${f(s.mt5Pct, 1)}</td><td>${f(s.velocityMmS, 1)}</td><td>${f(s.area95Mm2, 0)}</td></tr>`;
    })
    .join('');
  return `<table class="trials"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

function traceCard(t: StoredTrialDetail, n: number): string {
  const s = t.summary;
  const bar =
    s.heelPct !== null && s.mt1Pct !== null && s.mt5Pct !== null && s.heelPct >= 0 && s.mt1Pct >= 0 && s.mt5Pct >= 0
      ? `<div class="bar" title="tripod shares"><i style="width:${s.heelPct}%;background:${SHARE_COLOURS.heel}"></i><i style="width:${s.mt1Pct}%;background:${SHARE_COLOURS.mt1}"></i><i style="width:${s.mt5Pct}%;background:${SHARE_COLOURS.mt5}"></i></div>`
      : '<div class="muted">shares: outside the tripod</div>';
  return `<div class="tr">${svgTrace(t.trace, t.geometry)}<div>#${n} ${t.conditions.foot === 'left' ? 'L' : 'R'}, eyes ${t.conditions.eyes}, ${t.conditions.surface}</div>${bar}<div>heel ${f(s.heelPct, 0)} / 1st ${f(s.mt1Pct, 0)} / 5th ${f(s.mt5Pct, 0)} %</div></div>`;
}

function legend(): string {
  const items: Array<[string, string]> = [
    ['Set (s)', 'the trial duration the therapist set'],
    ...METRICS.map((m): [string, string] => [`${m.label} (${m.unit})`, m.help]),
    ['Trace', 'CoP path over the stance foot: grey outline = foot, dashed triangle = heel, 1st and 5th metatarsal heads, green = target zone'],
    ['Progress', 'per session mean of the trials of each foot and condition (L/R, eyes open/closed, firm/foam)'],
  ];
  return `<dl class="legend">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

export interface ReportInput {
  patient: Patient;
  sessions: Array<{ session: Session; trials: StoredTrialDetail[] }>;
  /** Every trial of the patient (for the progress charts), oldest first. */
  history: StoredTrial[];
  rule: ProgressionRule;
  generatedAt?: Date;
}

export function renderReport(input: ReportInput): string {
  const { patient, rule } = input;
  const sheets: string[] = [];
  for (const { session, trials } of input.sessions) {
    const upTo = input.history.filter((t) => t.sessionDate <= session.date);
    const progress: Progress = buildProgress(upTo, rule);
    const boards = [...new Set(trials.map((t) => t.boardLabel))].join(', ') || '—';
    const cal = [...new Set(trials.map((t) => String((t.calibration as { source?: string } | null)?.source ?? 'unknown')))].join(', ');
    const recs = [...new Set(trials.map((t) => t.recording).filter((r): r is string => r !== null))];
    const charts = ['timeHeldS', 'inZonePct', 'velocityMmS', 'area95Mm2']
      .map((k) => progress.charts.find((c) => c.metric.key === k)!)
      .map((c) => svgProgressChart(c))
      .join('');
    const shown = trials.slice(-TRACES_PER_PAGE);
    const firstRows = trials.slice(0, ROWS_PER_PAGE);
    const header = `<h1>Single-leg stance · ${esc(patient.code)}</h1>
<div class="meta"><span>Session <b>${esc(session.date)}</b></span><span>Patient <b>${esc(patient.code)}</b>${patient.name ? ` (${esc(patient.name)})` : ''}</span><span>Board <b>${esc(boards)}</b>, calibration ${esc(cal)}</span><span>${trials.length} trial(s)</span></div>`;
    sheets.push(`<section class="sheet" data-session="${session.id}">${header}
<h2>Trials</h2>${trialsTable(firstRows, 1)}
${recs.length ? `<div class="muted">Recording: ${recs.map(esc).join(', ')}</div>` : ''}
<h2>Centre of pressure over the foot${trials.length > shown.length ? ` <span class="muted">(last ${shown.length} of ${trials.length})</span>` : ''}</h2>
<div class="traces">${shown.map((t) => traceCard(t, trials.indexOf(t) + 1)).join('')}</div>
<h2>Progress up to this session</h2>
${progress.feet.map((p) => `<div class="next">${esc(p.text)}</div>`).join('')}
<div class="charts">${charts}</div>
<h2>What the numbers mean</h2>${legend()}
<div class="muted">Progression rule: a level is met when the trial is held ${rule.holdS === null ? "the level's time" : `${rule.holdS} s`} with at most ${rule.maxTouchDowns} touch-down(s) and at least ${rule.minInZonePct} % time in zone, in ${rule.sessionsInRow} sessions in a row. Levels: ${LEVELS.map((l) => `${l.n} eyes ${l.eyes}/${l.surface}/${l.durationS} s`).join('; ')}. Generated ${esc((input.generatedAt ?? new Date()).toISOString().slice(0, 16).replace('T', ' '))} by tripod.</div>
</section>`);
    for (let from = ROWS_PER_PAGE; from < trials.length; from += ROWS_PER_PAGE * 3) {
      sheets.push(`<section class="sheet" data-session="${session.id}">${header}<h2>Trials (continued)</h2>${trialsTable(trials.slice(from, from + ROWS_PER_PAGE * 3), from + 1)}</section>`);
    }
  }
  if (sheets.length === 0) sheets.push(`<section class="sheet"><h1>Single-leg stance · ${esc(patient.code)}</h1><p>No session stored yet.</p></section>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tripod report ${esc(patient.code)}</title><style>${CSS}</style></head>
<body>${sheets.join('\n')}</body></html>
`;
}

/** Loads what a report needs from the store: all sessions of a patient, or one. */
export async function loadReport(store: ClinicStore, code: string, sessionId?: number): Promise<ReportInput> {
  const patient = await store.patient(code);
  if (!patient) throw new Error(`no patient with code '${code}' (tripod patients lists them)`);
  const sessions = await store.sessions(patient.code);
  const chosen = sessionId === undefined ? sessions : sessions.filter((s) => s.id === sessionId);
  if (sessionId !== undefined && chosen.length === 0) {
    throw new Error(`patient ${patient.code} has no session ${sessionId} (sessions: ${sessions.map((s) => `${s.id} on ${s.date}`).join(', ') || 'none'})`);
  }
  const history = await store.trials(patient.id);
  const out: ReportInput['sessions'] = [];
  for (const s of chosen) {
    const ids = history.filter((t) => t.sessionId === s.id).map((t) => t.id);
    const details: StoredTrialDetail[] = [];
    for (const id of ids) details.push((await store.trial(id))!);
    out.push({ session: s, trials: details });
  }
  return { patient, sessions: out, history, rule: await store.rule(patient.id) };
}
