/** The result table of the latest trial, the left/right comparison and the trial history. */
import type { ComparisonView, ResultsMessage, TrialResultView } from '../messages.ts';

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function setupText(t: TrialResultView): string {
  return `${t.setup.foot === 'left' ? 'Left' : 'Right'} foot, eyes ${t.setup.eyes}, ${t.setup.surface ?? 'firm'}, ${t.setup.durationS} s`;
}

export function renderResult(el: HTMLElement, t: TrialResultView): void {
  el.className = 'result';
  el.dataset.trialId = String(t.id);
  let group: string | undefined;
  const rows = t.rows
    .map(
      (r) =>
        (r.group && r.group !== group ? `<tr class="group"><th colspan="3">${esc((group = r.group))}</th></tr>` : '') +
        `<tr data-key="${esc(r.key)}" title="${esc(r.help ?? '')}"><td>${esc(r.label)}</td><td class="v" data-key="${esc(r.key)}" data-value="${r.value === null ? '' : r.value}">${esc(r.text)}</td><td class="u">${esc(r.unit)}</td></tr>`,
    )
    .join('');
  el.innerHTML = `<div class="result-head">Trial ${t.id} <small>${esc(setupText(t))}</small></div>
<table class="rt" id="result-table" data-trial-id="${t.id}"><tbody>${rows}</tbody></table>
<div class="result-help">Hover a row for what it means; the report lists every explanation.</div>`;
}

export function renderComparisons(el: HTMLElement, cs: ComparisonView[]): void {
  el.innerHTML = cs
    .map(
      (c) => `<div class="result-head">Left vs right <small>eyes ${c.eyes} · trials ${c.leftId} and ${c.rightId}</small></div>
<table class="rt comparison" data-eyes="${c.eyes}"><thead><tr><th></th><th>Left</th><th>Right</th><th>Asym.</th></tr></thead><tbody>${c.rows
        .map(
          (r) =>
            `<tr data-key="${esc(r.key)}"><td>${esc(r.label)}${r.unit ? ` <small>(${esc(r.unit)})</small>` : ''}</td><td>${fmt(r.left)}</td><td>${fmt(r.right)}</td><td>${r.asymmetryPct === null ? '—' : `${r.asymmetryPct.toFixed(1)} %`}</td></tr>`,
        )
        .join('')}</tbody></table>`,
    )
    .join('');
}

export function renderResults(resultEl: HTMLElement, compEl: HTMLElement, historyEl: HTMLElement, msg: ResultsMessage): void {
  const latest = msg.trials[msg.trials.length - 1];
  if (latest) renderResult(resultEl, latest);
  renderComparisons(compEl, msg.comparisons);
  historyEl.innerHTML = msg.trials
    .slice(0, -1)
    .reverse()
    .map((t) => `<li>Trial ${t.id}: ${esc(setupText(t))} · ${esc(new Date(t.endedAt).toLocaleTimeString())}</li>`)
    .join('');
}

function fmt(v: number | null): string {
  if (v === null) return '—';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}
