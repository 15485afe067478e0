/**
 * The patient panel: choose or add a patient (the host stores every finished trial for them), the
 * next level and the progression rule, the progress charts across sessions (uPlot: one line per
 * foot and condition, eyes open/closed x firm/foam, plus left/right asymmetry), the stored trials,
 * and the printable report. Talks to the host's /api/clinic/ calls.
 */
import type { Patient, ProgressionRule, StoredTrial } from '../../clinic/types.ts';
import type { Progress, ProgressChart } from '../../clinic/progress.ts';
import { uPlotCtor, type UPlot } from './uplot.ts';

const COLOURS = ['#56b4e9', '#e69f00', '#2ed3b7', '#cc79a7', '#f0e442', '#0072b2', '#d55e00', '#e9eff4'];
const AXIS = { stroke: '#8fa3b5', grid: { stroke: 'rgba(143,163,181,0.12)', width: 1 }, ticks: { stroke: 'rgba(143,163,181,0.25)', width: 1 } };

interface ProgressReply {
  patient: Patient;
  rule: ProgressionRule;
  trials: StoredTrial[];
  progress: Progress;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

const clinic = {
  enabled: false,
  patient: null as string | null,
  storedTrials: 0,
  chartedPoints: 0,
  charts: [] as UPlot[],
};
(globalThis as unknown as { tripodClinic: unknown }).tripodClinic = clinic;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/clinic/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(data.error ?? `${method} ${path}: HTTP ${res.status}`);
  return data;
}

let toastFn: (text: string, level: 'info' | 'error') => void = () => undefined;

export async function initClinic(toast: (text: string, level: 'info' | 'error') => void): Promise<void> {
  toastFn = toast;
  const panel = document.querySelector<HTMLElement>('.panel.clinic')!;
  let state: { store: string; patient: Patient | null; patients: Array<Patient & { trials: number }> };
  try {
    state = await call('GET', 'state');
  } catch {
    panel.dataset.off = 'true';
    $('store-desc').textContent = 'no clinic store: results stay on this page (download them)';
    for (const id of ['patient', 'report']) ($(id) as HTMLButtonElement).disabled = true;
    $('add-patient').hidden = true;
    $('rule-box').hidden = true;
    return;
  }
  clinic.enabled = true;
  $('store-desc').textContent = state.store;
  fillPatients(state.patients, state.patient?.code ?? null);
  $<HTMLSelectElement>('patient').onchange = async (e) => {
    const code = (e.target as HTMLSelectElement).value || null;
    try {
      await call('POST', 'select', { code });
      await loadPatient(code);
    } catch (err) {
      toastFn((err as Error).message, 'error');
    }
  };
  $<HTMLFormElement>('patient-form').onsubmit = async (e) => {
    e.preventDefault();
    try {
      const { patient } = await call<{ patient: Patient }>('POST', 'patients', {
        code: $<HTMLInputElement>('p-code').value,
        name: $<HTMLInputElement>('p-name').value || null,
        notes: $<HTMLTextAreaElement>('p-notes').value || null,
      });
      const s = await call<typeof state>('GET', 'state');
      fillPatients(s.patients, patient.code);
      ($('add-patient') as HTMLDetailsElement).open = false;
      $<HTMLFormElement>('patient-form').reset();
      toastFn(`Patient ${patient.code} added: the next trials are stored for them.`, 'info');
      await loadPatient(patient.code);
    } catch (err) {
      toastFn((err as Error).message, 'error');
    }
  };
  $<HTMLFormElement>('rule-form').onsubmit = async (e) => {
    e.preventDefault();
    if (!clinic.patient) return;
    const hold = $<HTMLInputElement>('r-hold').value;
    const rule: ProgressionRule = {
      holdS: hold === '' ? null : Number(hold),
      maxTouchDowns: Number($<HTMLInputElement>('r-td').value),
      minInZonePct: Number($<HTMLInputElement>('r-zone').value),
      sessionsInRow: Number($<HTMLInputElement>('r-rows').value),
    };
    try {
      await call('PUT', `patients/${encodeURIComponent(clinic.patient)}/rule`, { rule });
      toastFn('Progression rule saved.', 'info');
      await loadPatient(clinic.patient);
    } catch (err) {
      toastFn((err as Error).message, 'error');
    }
  };
  $('report').onclick = () => {
    if (clinic.patient) window.open(`/api/clinic/report?patient=${encodeURIComponent(clinic.patient)}`, '_blank');
  };
  await loadPatient(state.patient?.code ?? null);
}

function fillPatients(ps: Array<Patient & { trials: number }>, selected: string | null): void {
  const sel = $<HTMLSelectElement>('patient');
  sel.innerHTML = '<option value="">— none: trials are not stored —</option>';
  for (const p of ps) {
    const o = document.createElement('option');
    o.value = p.code;
    o.textContent = `${p.code}${p.name ? ` · ${p.name}` : ''} (${p.trials} trials)`;
    sel.appendChild(o);
  }
  sel.value = selected ?? '';
}

/** A trial was stored (or not): say so and refresh the panel. */
export async function onClinicMessage(msg: { stored: { trialId: number; patient: string } | null; error: string | null }): Promise<void> {
  if (msg.error) toastFn(msg.error, 'error');
  else if (msg.stored) toastFn(`Trial stored for ${msg.stored.patient}.`, 'info');
  if (!clinic.enabled) return;
  try {
    const s = await call<{ patient: Patient | null; patients: Array<Patient & { trials: number }> }>('GET', 'state');
    fillPatients(s.patients, s.patient?.code ?? null);
    await loadPatient(s.patient?.code ?? null);
  } catch (e) {
    toastFn((e as Error).message, 'error');
  }
}

async function loadPatient(code: string | null): Promise<void> {
  clinic.patient = code;
  ($('report') as HTMLButtonElement).disabled = code === null;
  for (const c of clinic.charts) c.destroy();
  clinic.charts = [];
  $('progress').innerHTML = '';
  $('stored').innerHTML = '';
  if (code === null) {
    $('next-level').textContent = 'Choose or add a patient to store the trials and follow progress.';
    clinic.storedTrials = 0;
    clinic.chartedPoints = 0;
    return;
  }
  const r = await call<ProgressReply>('GET', `patients/${encodeURIComponent(code)}/progress`);
  $('next-level').innerHTML = r.progress.feet.map((f) => `<div>${esc(f.text)}</div>`).join('');
  $<HTMLInputElement>('r-hold').value = r.rule.holdS === null ? '' : String(r.rule.holdS);
  $<HTMLInputElement>('r-td').value = String(r.rule.maxTouchDowns);
  $<HTMLInputElement>('r-zone').value = String(r.rule.minInZonePct);
  $<HTMLInputElement>('r-rows').value = String(r.rule.sessionsInRow);
  clinic.storedTrials = r.trials.length;
  $('stored').innerHTML = r.trials
    .slice(-8)
    .reverse()
    .map(
      (t) =>
        `<li data-trial="${t.id}">${esc(t.sessionDate)} · ${t.conditions.foot === 'left' ? 'L' : 'R'}, eyes ${t.conditions.eyes}, ${t.conditions.surface} · held ${t.summary.timeHeldS?.toFixed(1) ?? '—'} s · in zone ${t.summary.inZonePct?.toFixed(1) ?? '—'} %</li>`,
    )
    .join('');
  if (r.trials.length === 0) {
    $('progress').innerHTML = '<p class="hint">No stored trial yet: run one and it appears here.</p>';
    clinic.chartedPoints = 0;
    return;
  }
  let points = 0;
  const wanted = ['timeHeldS', 'inZonePct', 'errors', 'velocityMmS', 'area95Mm2', 'heelPct', 'mt1Pct', 'mt5Pct'];
  const charts = [...wanted.map((k) => r.progress.charts.find((c) => c.metric.key === k)!), ...r.progress.asymmetry.filter((c) => c.series.length > 0)];
  for (const c of charts) points += drawChart(c);
  clinic.chartedPoints = points;
}

function drawChart(c: ProgressChart): number {
  const box = document.createElement('div');
  box.className = 'progress-chart';
  box.dataset.progress = c.metric.key;
  box.title = c.metric.help;
  box.innerHTML = `<div class="pc-title">${esc(c.metric.label)} <small>${esc(c.metric.unit)}</small></div>`;
  $('progress').appendChild(box);
  const U = uPlotCtor();
  const width = Math.max(200, box.clientWidth);
  const data = [c.x, ...c.series.map((s) => s.y)] as unknown as Parameters<typeof U.prototype.setData>[0];
  const chart = new U(
    {
      width,
      height: 150,
      cursor: { show: true, points: { size: 6 } },
      legend: { show: true, live: false },
      // whole days around the sessions, a week when there is only one
      scales: { x: { time: true, range: (_u: UPlot, lo: number, hi: number): [number, number] => (hi - lo < 86_400 ? [lo - 3 * 86_400, hi + 3 * 86_400] : [lo - 86_400, hi + 86_400]) } },
      axes: [
        { ...AXIS, space: 60, values: (_u: UPlot, ticks: number[]) => ticks.map((t) => new Date(t * 1000).toISOString().slice(5, 10)) },
        { ...AXIS, size: 58 },
      ],
      series: [{}, ...c.series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: true, points: { show: true, size: 6 } }))],
    },
    data,
    box,
  );
  clinic.charts.push(chart);
  return c.series.reduce((a, s) => a + s.y.filter((v) => v !== null).length, 0);
}

export function resizeClinic(): void {
  for (const c of clinic.charts) {
    const w = Math.max(200, (c.root.parentElement as HTMLElement).clientWidth);
    c.setSize({ width: w, height: 150 });
  }
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
