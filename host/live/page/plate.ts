/**
 * The plate seen from above, toes up, the subject's right on the right: plate and cells, the foot
 * outline, the target zone, the tripod triangle, the CoP trace of the last seconds and the current
 * CoP, big. Drawn on a canvas of its own, once per animation frame when something changed.
 */
import type { BoardLayout, PointMm } from '../../pipeline/types.ts';
import type { FootGeometry, LiveScoreView } from '../messages.ts';
import { CELL_COLOURS } from './charts.ts';
import type { ColumnRing } from './ring.ts';

const COLOURS = {
  plate: '#1b2733',
  plateEdge: '#33475b',
  foot: 'rgba(233,239,244,0.07)',
  footEdge: 'rgba(233,239,244,0.55)',
  zone: 'rgba(46,211,183,0.32)',
  zoneEdge: '#2ed3b7',
  tri: '#c9d6e2',
  trace: '86,180,233',
  copIn: '#2ed3b7',
  copOut: '#f5a524',
  text: '#8fa3b5',
};

export class PlateView {
  private readonly ctx: CanvasRenderingContext2D;
  private geometry: FootGeometry | null = null;
  private layout: BoardLayout | null = null;
  private cssSize = 0;
  /** Area of the drawn target zone and radius of the CoP dot, CSS px (tests check the zone is big enough to aim at). */
  zoneAreaPx = 0;
  dotRadiusPx = 7;
  /** 'foot': zoomed on the stance foot (default, readable from a distance); 'plate': the whole plate. */
  view: 'foot' | 'plate' = 'foot';

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context for the plate view');
    this.ctx = ctx;
  }

  setLayout(layout: BoardLayout): void {
    this.layout = layout;
  }

  setGeometry(g: FootGeometry): void {
    this.geometry = g;
  }

  /** Matches the backing store to the element's size × devicePixelRatio. */
  fit(): void {
    const box = (this.canvas.parentElement ?? this.canvas).getBoundingClientRect();
    const size = Math.max(200, Math.floor(Math.min(box.width, box.height || box.width)));
    const dpr = devicePixelRatio || 1;
    if (size !== this.cssSize || this.canvas.width !== Math.round(size * dpr)) {
      this.cssSize = size;
      this.canvas.style.width = `${size}px`;
      this.canvas.style.height = `${size}px`;
      this.canvas.width = Math.round(size * dpr);
      this.canvas.height = Math.round(size * dpr);
    }
  }

  /**
   * trace: ring with columns [t, cx, cy] (NaN when absent); forces: ring [t, f0..f3, total] for the
   * cell discs; shownT: the display time (samples after it are not drawn yet); live: latest score.
   */
  draw(trace: ColumnRing, traceS: number, forcesRing: ColumnRing, shownT: number, live: LiveScoreView | null): void {
    const layout = this.layout;
    if (!layout) return;
    this.fit();
    const ctx = this.ctx;
    const W = this.canvas.width;
    const dpr = devicePixelRatio || 1;
    const margin = 22 * dpr;
    // the CoP dot: 4-7 px, smaller on a small canvas so the zone stays many times its size
    this.dotRadiusPx = Math.max(4, Math.min(7, W / dpr / 64));
    let span = Math.max(layout.plate.widthMm, layout.plate.depthMm);
    let centre: PointMm = { x: 0, y: 0 };
    if (this.view === 'foot' && this.geometry) {
      // zoomed on the tripod (heel, 1st and 5th metatarsal heads) and its target zone, the part the
      // patient aims with; the toes may run off the top
      const t = this.geometry.tripod;
      const xs = [t.heel.x, t.mt1.x, t.mt5.x];
      const ys = [t.heel.y, t.mt1.y, t.mt5.y];
      centre = { x: (Math.min(...xs) + Math.max(...xs)) / 2, y: (Math.min(...ys) + Math.max(...ys)) / 2 };
      span = Math.min(span, 1.3 * Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)));
    }
    const k = (W - 2 * margin) / span;
    const px = (p: PointMm): [number, number] => [W / 2 + (p.x - centre.x) * k, W / 2 - (p.y - centre.y) * k];

    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, W, W);

    // plate
    const pw = layout.plate.widthMm * k;
    const pd = layout.plate.depthMm * k;
    const [ox, oy] = px({ x: 0, y: 0 });
    ctx.fillStyle = COLOURS.plate;
    ctx.strokeStyle = COLOURS.plateEdge;
    ctx.lineWidth = 2 * dpr;
    roundRect(ctx, ox - pw / 2, oy - pd / 2, pw, pd, 14 * dpr);
    ctx.fill();
    ctx.stroke();
    // plate axes through the centre, and a 50 mm grid
    ctx.strokeStyle = 'rgba(143,163,181,0.07)';
    ctx.lineWidth = 1 * dpr;
    ctx.beginPath();
    for (let g = -Math.floor(layout.plate.widthMm / 100) * 50; g <= layout.plate.widthMm / 2; g += 50) {
      ctx.moveTo(ox + g * k, oy - pd / 2);
      ctx.lineTo(ox + g * k, oy + pd / 2);
    }
    for (let g = -Math.floor(layout.plate.depthMm / 100) * 50; g <= layout.plate.depthMm / 2; g += 50) {
      ctx.moveTo(ox - pw / 2, oy + g * k);
      ctx.lineTo(ox + pw / 2, oy + g * k);
    }
    ctx.stroke();
    ctx.strokeStyle = 'rgba(143,163,181,0.22)';
    ctx.beginPath();
    ctx.moveTo(ox, oy - pd / 2);
    ctx.lineTo(ox, oy + pd / 2);
    ctx.moveTo(ox - pw / 2, oy);
    ctx.lineTo(ox + pw / 2, oy);
    ctx.stroke();
    ctx.fillStyle = COLOURS.text;
    ctx.font = `600 ${12 * dpr}px sans-serif`;
    ctx.textAlign = 'center';
    ctx.fillText('TOES ▲', W / 2, 16 * dpr);
    ctx.fillText(this.view === 'foot' ? 'HEEL · grid 50 mm' : 'HEEL', W / 2, W - 8 * dpr);
    ctx.textAlign = 'left';
    ctx.fillText('L', 8 * dpr, W / 2 + 4 * dpr);
    ctx.textAlign = 'right';
    ctx.fillText('R', W - 8 * dpr, W / 2 + 4 * dpr);

    // cells: a disc per cell whose area follows its share of the load at the display time
    const fi = lastAtOrBefore(forcesRing, shownT);
    const forces = fi < 0 ? [0, 0, 0, 0] : [1, 2, 3, 4].map((c) => forcesRing.at(c, fi));
    const total = forces.reduce((a, b) => a + Math.max(0, b), 0);
    layout.cells.forEach((c, i) => {
      const [x, y] = px(c);
      const share = total > 20 ? Math.max(0, forces[i] ?? 0) / total : 0;
      ctx.beginPath();
      ctx.arc(x, y, 9 * dpr, 0, Math.PI * 2);
      ctx.strokeStyle = CELL_COLOURS[i]!;
      ctx.lineWidth = 2 * dpr;
      ctx.stroke();
      if (share > 0) {
        ctx.beginPath();
        ctx.arc(x, y, (4 + 22 * Math.sqrt(share)) * dpr, 0, Math.PI * 2);
        ctx.fillStyle = hexAlpha(CELL_COLOURS[i]!, 0.35);
        ctx.fill();
      }
    });

    const g = this.geometry;
    if (g) {
      polygon(ctx, g.outline.map(px));
      ctx.fillStyle = COLOURS.foot;
      ctx.fill();
      ctx.strokeStyle = COLOURS.footEdge;
      ctx.lineWidth = 2 * dpr;
      ctx.stroke();
      // the zone at the size of the tolerance: every CoP inside it has all three shares within it
      const zonePx = g.zone.map(px);
      polygon(ctx, zonePx);
      ctx.fillStyle = COLOURS.zone;
      ctx.fill();
      ctx.strokeStyle = COLOURS.zoneEdge;
      ctx.lineWidth = 2.5 * dpr;
      ctx.stroke();
      let area = 0;
      zonePx.forEach(([x1, y1], i) => {
        const [x2, y2] = zonePx[(i + 1) % zonePx.length]!;
        area += x1 * y2 - x2 * y1;
      });
      this.zoneAreaPx = Math.abs(area) / 2 / (dpr * dpr);
      const tri = [g.tripod.heel, g.tripod.mt1, g.tripod.mt5].map(px);
      polygon(ctx, tri);
      ctx.strokeStyle = COLOURS.tri;
      ctx.lineWidth = 2 * dpr;
      ctx.setLineDash([7 * dpr, 5 * dpr]);
      ctx.stroke();
      ctx.setLineDash([]);
      const names = ['Heel', '1st MT', '5th MT'];
      ctx.font = `600 ${12 * dpr}px sans-serif`;
      tri.forEach(([x, y], i) => {
        ctx.beginPath();
        ctx.arc(x, y, 5 * dpr, 0, Math.PI * 2);
        ctx.fillStyle = COLOURS.tri;
        ctx.fill();
        ctx.textAlign = x < W / 2 ? 'right' : 'left';
        ctx.fillText(names[i]!, x + (x < W / 2 ? -9 : 9) * dpr, y + 4 * dpr);
      });
      const [tx, ty] = px(g.target);
      ctx.strokeStyle = COLOURS.zoneEdge;
      ctx.lineWidth = 2 * dpr;
      ctx.beginPath();
      ctx.moveTo(tx - 8 * dpr, ty);
      ctx.lineTo(tx + 8 * dpr, ty);
      ctx.moveTo(tx, ty - 8 * dpr);
      ctx.lineTo(tx, ty + 8 * dpr);
      ctx.stroke();
    }

    // trace: the last traceS seconds, fading with age
    const n = lastAtOrBefore(trace, shownT) + 1;
    if (n > 1) {
      const tEnd = trace.at(0, n - 1);
      ctx.lineWidth = 2.5 * dpr;
      ctx.lineCap = 'round';
      let prev: [number, number] | null = null;
      for (let i = 0; i < n; i++) {
        const t = trace.at(0, i);
        const x = trace.at(1, i);
        const y = trace.at(2, i);
        if (tEnd - t > traceS || Number.isNaN(x) || Number.isNaN(y)) {
          prev = null;
          continue;
        }
        const p = px({ x, y });
        if (prev) {
          const a = 0.1 + 0.85 * (1 - (tEnd - t) / traceS);
          ctx.strokeStyle = `rgba(${COLOURS.trace},${a.toFixed(3)})`;
          ctx.beginPath();
          ctx.moveTo(prev[0], prev[1]);
          ctx.lineTo(p[0], p[1]);
          ctx.stroke();
        }
        prev = p;
      }
      // current CoP
      const cx = trace.at(1, n - 1);
      const cy = trace.at(2, n - 1);
      if (!Number.isNaN(cx) && !Number.isNaN(cy)) {
        const [x, y] = px({ x: cx, y: cy });
        const colour = live?.inZone ? COLOURS.copIn : COLOURS.copOut;
        ctx.beginPath();
        ctx.arc(x, y, (this.dotRadiusPx + 5) * dpr, 0, Math.PI * 2);
        ctx.fillStyle = hexAlpha(colour, 0.22);
        ctx.fill();
        ctx.beginPath();
        ctx.arc(x, y, this.dotRadiusPx * dpr, 0, Math.PI * 2);
        ctx.fillStyle = colour;
        ctx.fill();
        ctx.lineWidth = 2.5 * dpr;
        ctx.strokeStyle = '#0d141b';
        ctx.stroke();
      }
    }
  }
}

/** Row of the last sample at or before device time t (column 0), -1 if none; all rows when t is NaN. */
function lastAtOrBefore(ring: ColumnRing, t: number): number {
  let hi = ring.length - 1;
  if (Number.isNaN(t) || hi < 0 || ring.at(0, hi) <= t) return hi;
  let lo = 0;
  if (ring.at(0, 0) > t) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ring.at(0, mid) <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function polygon(ctx: CanvasRenderingContext2D, pts: Array<[number, number]>): void {
  ctx.beginPath();
  pts.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
  ctx.closePath();
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

function hexAlpha(hex: string, a: number): string {
  const v = parseInt(hex.slice(1), 16);
  return `rgba(${(v >> 16) & 255},${(v >> 8) & 255},${v & 255},${a})`;
}
