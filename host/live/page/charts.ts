/**
 * The two uPlot force charts (four cells; total with touch-down markers). Fixed y ranges, x range =
 * the last `windowS` of device time, one setData per animation frame from the ring buffer.
 */
import { uPlotCtor, type UPlot } from './uplot.ts';

export const CELL_COLOURS = ['#56b4e9', '#e69f00', '#cc79a7', '#009e73'] as const;
export const CELL_NAMES = ['Front right', 'Front left', 'Rear left', 'Rear right'] as const;
const AXIS = { stroke: '#8fa3b5', grid: { stroke: 'rgba(143,163,181,0.12)', width: 1 }, ticks: { stroke: 'rgba(143,163,181,0.25)', width: 1 } };

export interface ChartMarks {
  /** Device time of the stance start, s. */
  startT: number | null;
  /** Device times of touch-downs, s. */
  touchdowns: number[];
}

export class ForceCharts {
  private readonly cells: UPlot;
  private readonly total: UPlot;
  private marks: ChartMarks = { startT: null, touchdowns: [] };
  private xMax = 0;

  constructor(
    cellsEl: HTMLElement,
    totalEl: HTMLElement,
    private readonly windowS: number,
    cellMaxN: number,
    totalMaxN: number,
  ) {
    const U = uPlotCtor();
    const width = Math.max(200, cellsEl.clientWidth);
    const xScale = { time: false, range: (): [number, number] => [this.xMax - this.windowS, this.xMax] };
    // a fixed time grid, like a monitor's: "now" at the right edge, whole seconds back from it; the
    // traces scroll under it
    const step = this.windowS <= 12 ? 1 : this.windowS <= 30 ? 5 : 10;
    const xAxis = {
      ...AXIS,
      splits: (): number[] => {
        const out: number[] = [];
        for (let k = Math.floor(this.windowS / step) * step; k >= 0; k -= step) out.push(this.xMax - k);
        return out;
      },
      values: (_u: UPlot, splits: number[]) =>
        splits.map((t) => {
          const s = Math.round(t - this.xMax);
          return s === 0 ? 'now' : `${s} s`;
        }),
    };
    this.cells = new U(
      {
        width,
        height: 190,
        pxAlign: 0,
        cursor: { show: false },
        legend: { show: true, live: false },
        scales: { x: xScale, y: { range: [-20, cellMaxN] } },
        axes: [xAxis, { ...AXIS, size: 54 }],
        series: [{}, ...CELL_COLOURS.map((c, i) => ({ label: CELL_NAMES[i], stroke: c, width: 2 }))],
      },
      [[], [], [], [], []],
      cellsEl,
    );
    this.total = new U(
      {
        width,
        height: 150,
        pxAlign: 0,
        cursor: { show: false },
        legend: { show: false },
        scales: { x: xScale, y: { range: [0, totalMaxN] } },
        axes: [xAxis, { ...AXIS, size: 54 }],
        series: [{}, { label: 'Total', stroke: '#e9eff4', width: 2.5, fill: 'rgba(233,239,244,0.06)' }],
        hooks: { draw: [(u: UPlot) => this.drawMarks(u)] },
      },
      [[], []],
      totalEl,
    );
  }

  setMarks(marks: ChartMarks): void {
    this.marks = marks;
  }

  /** cols = [t, f0, f1, f2, f3, total], oldest first; shownT: the right edge, device s (NaN: newest). */
  update(cols: Float64Array[], shownT: number): void {
    const t = cols[0]!;
    if (t.length === 0) return;
    this.xMax = Number.isNaN(shownT) ? t[t.length - 1]! : shownT;
    this.cells.setData([t, cols[1]!, cols[2]!, cols[3]!, cols[4]!]);
    this.total.setData([t, cols[5]!]);
  }

  resize(width: number): void {
    this.cells.setSize({ width, height: 190 });
    this.total.setSize({ width, height: 150 });
  }

  private drawMarks(u: UPlot): void {
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    const dpr = devicePixelRatio || 1;
    const line = (t: number, colour: string, label: string): void => {
      if (t < this.xMax - this.windowS || t > this.xMax) return;
      const x = Math.round(u.valToPos(t, 'x', true));
      ctx.save();
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2 * dpr;
      ctx.setLineDash([6 * dpr, 4 * dpr]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillStyle = colour;
      ctx.font = `${700} ${12 * dpr}px sans-serif`;
      ctx.fillText(label, x + 4 * dpr, top + 14 * dpr);
      ctx.restore();
    };
    if (this.marks.startT !== null) line(this.marks.startT, '#2ed3b7', 'start');
    for (const t of this.marks.touchdowns) line(t, '#f0555a', 'touch-down');
  }
}
