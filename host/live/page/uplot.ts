/** uPlot is loaded as a classic script from /vendor/uPlot.iife.min.js (served from node_modules). */
import type UPlot from 'uplot';

export type UPlotCtor = typeof UPlot;
export type { UPlot };

export function uPlotCtor(): UPlotCtor {
  const ctor = (globalThis as unknown as { uPlot?: UPlotCtor }).uPlot;
  if (!ctor) throw new Error('uPlot did not load: /vendor/uPlot.iife.min.js is missing');
  return ctor;
}
