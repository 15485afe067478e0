/**
 * The battery as people read it, for the live page and the terminal line: the percentage when the
 * board knows it ("87 %", Puck.js: E.getBattery()), else the voltage it measured ("3.30 V",
 * MDBT42Q: NRF.getBattery(), which has no percentage), else an em dash. No imports: the page
 * bundle includes this file.
 */
export function batteryText(percent: number | null, mv: number | null): string {
  if (percent !== null && percent >= 0 && percent <= 100) return `${Math.round(percent)} %`;
  if (mv !== null && mv > 0) return `${(mv / 1000).toFixed(2)} V`;
  return '—';
}
