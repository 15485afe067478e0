/**
 * Small static SVG drawings for the printable report: a progress line chart and the CoP trace over
 * the foot with its tripod triangle and target zone. Pure string builders (no DOM), mm and px.
 */
import type { PointMm } from '../pipeline/types.ts';
import type { ProgressChart } from './progress.ts';
import type { NewTrial } from './types.ts';

export const SERIES_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#56b4e9', '#e69f00', '#000000', '#999999'];

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function niceStep(span: number): number {
  const raw = span / 4;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** A line chart of one metric across sessions, one line per condition; width/height in px (viewBox). */
export function svgProgressChart(c: ProgressChart, width = 340, height = 170): string {
  const left = 44;
  const right = 8;
  const top = 22;
  const bottom = 30;
  const w = width - left - right;
  const h = height - top - bottom;
  const ys = c.series.flatMap((s) => s.y.filter((v): v is number => v !== null));
  let lo = Math.min(0, ...ys);
  let hi = Math.max(...ys, lo + 1);
  const step = niceStep(hi - lo);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const n = c.x.length;
  const X = (i: number): number => left + (n <= 1 ? w / 2 : (i * w) / (n - 1));
  const Y = (v: number): number => top + h - ((v - lo) / (hi - lo)) * h;
  const parts: string[] = [];
  parts.push(`<text x="${left}" y="13" class="ct">${esc(c.metric.label)} (${esc(c.metric.unit)})</text>`);
  for (let v = lo; v <= hi + 1e-9; v += step) {
    parts.push(`<line x1="${left}" x2="${left + w}" y1="${Y(v).toFixed(1)}" y2="${Y(v).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${left - 4}" y="${(Y(v) + 3.5).toFixed(1)}" class="ax" text-anchor="end">${+v.toFixed(6)}</text>`);
  }
  const every = Math.max(1, Math.ceil(n / 6));
  c.dates.forEach((d, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    parts.push(`<text x="${X(i).toFixed(1)}" y="${top + h + 14}" class="ax" text-anchor="middle">${esc(d.slice(5))}</text>`);
  });
  c.series.forEach((s, si) => {
    const col = SERIES_COLOURS[si % SERIES_COLOURS.length]!;
    let d = '';
    let pen = false;
    s.y.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${X(i).toFixed(1)},${Y(v).toFixed(1)}`;
      pen = true;
      parts.push(`<circle cx="${X(i).toFixed(1)}" cy="${Y(v).toFixed(1)}" r="2.2" fill="${col}"/>`);
    });
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${col}" stroke-width="1.6"/>`);
  });
  const legend = c.series
    .map((s, si) => `<span><i style="background:${SERIES_COLOURS[si % SERIES_COLOURS.length]}"></i>${esc(s.label)}</span>`)
    .join('');
  return `<figure class="chart"><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(c.metric.label)}">${parts.join('')}</svg><figcaption>${legend || '<span>no trials</span>'}</figcaption></figure>`;
}

/** The CoP trace over the foot (outline, tripod triangle, target zone), toes up, subject's right on the right. */
export function svgTrace(trace: NewTrial['trace'], geometry: NewTrial['geometry'], size = 150): string {
  // framed on the tripod and the trace (the toes and heel of the outline may run off the edges)
  const pts: PointMm[] = [];
  if (geometry) pts.push(geometry.tripod.heel, geometry.tripod.mt1, geometry.tripod.mt5);
  for (let i = 0; i < trace.x.length; i++) pts.push({ x: trace.x[i]!, y: trace.y[i]! });
  if (pts.length === 0) return `<svg viewBox="0 0 ${size} ${size}" class="trace"><text x="${size / 2}" y="${size / 2}" text-anchor="middle" class="ax">no CoP</text></svg>`;
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 50) * 1.25;
  const k = size / span;
  const P = (p: PointMm): string => `${(size / 2 + (p.x - cx) * k).toFixed(1)},${(size / 2 - (p.y - cy) * k).toFixed(1)}`;
  const parts: string[] = [];
  if (geometry) {
    parts.push(`<polygon points="${geometry.outline.map(P).join(' ')}" class="foot"/>`);
    parts.push(`<polygon points="${geometry.zone.map(P).join(' ')}" class="zone"/>`);
    const tri = [geometry.tripod.heel, geometry.tripod.mt1, geometry.tripod.mt5];
    parts.push(`<polygon points="${tri.map(P).join(' ')}" class="tri"/>`);
  }
  if (trace.x.length > 1) {
    let d = '';
    for (let i = 0; i < trace.x.length; i++) d += `${i === 0 ? 'M' : 'L'}${P({ x: trace.x[i]!, y: trace.y[i]! })}`;
    parts.push(`<path d="${d}" class="cop"/>`);
  }
  return `<svg viewBox="0 0 ${size} ${size}" class="trace" role="img" aria-label="CoP trace over the foot" overflow="hidden">${parts.join('')}</svg>`;
}
