/**
 * What an Espruino API call costs in virtual time, from the cost table in firmware/ESPRUINO.md
 * (x86 instruction counts of the real interpreter, -Os build; "roughly 1,000 instructions is
 * 8-16 us on the 64 MHz nRF52"):
 * - one native call statement (`digitalRead([4 pins])`, `Math.abs`): 10-12k instructions -> 11k;
 * - one simple statement around it (an indexed typed-array store: 24k / 4 stores = 6k; an empty
 *   loop iteration: 7k) -> 6k "JS overhead" charged once per API call, standing in for the
 *   statements we cannot see (the emulator counts API calls, not statements);
 * - 12 us per 1,000 instructions (the middle of 8-16 us);
 * - a `"jit"` function: "about 2x faster" -> half of both figures;
 * - a `"ram"` function: "about 5 %" faster -> 0.95 of both figures;
 * - each callback the idle loop dispatches (timer, watch, event): one native call (11k);
 * - loop iterations: not charged by default (the 6k glue per API call stands in for them);
 *   `loopIterationInstructions: 7000` charges each iteration the table's "empty loop iteration"
 *   (84 us; 42 us in a "jit" function) on top, for a pessimistic estimate.
 * So an interpreted API call costs (11k + 6k) x 12 ns = 204 us and a JIT one 102 us. All are
 * configurable per board (`costs` option), e.g. to test a firmware against the slow end (16 us).
 */
export interface CostModel {
  /** Seconds per 1,000 instructions. Defaults to 12e-6 (middle of 8-16 us on the nRF52). */
  secondsPer1kInstructions: number;
  /** Instructions of one native API call statement, interpreted. Defaults to 11,000. */
  nativeCallInstructions: number;
  /** Instructions of JS glue charged with each API call. Defaults to 6,000. */
  jsOverheadInstructions: number;
  /** Factor applied inside a `"jit"` function. Defaults to 0.5 ("about 2x faster"). */
  jitFactor: number;
  /** Factor applied inside a `"ram"` function. Defaults to 0.95 ("about 5 %"). */
  ramFactor: number;
  /** Instructions for dispatching one callback from the idle loop. Defaults to 11,000. */
  callbackInstructions: number;
  /** Instructions charged per loop iteration (test and step), interpreted. Defaults to 0 (see above). */
  loopIterationInstructions: number;
}

export const DEFAULT_COSTS: CostModel = {
  secondsPer1kInstructions: 12e-6,
  nativeCallInstructions: 11_000,
  jsOverheadInstructions: 6_000,
  jitFactor: 0.5,
  ramFactor: 0.95,
  callbackInstructions: 11_000,
  loopIterationInstructions: 0,
};

/** Seconds one API call costs in each execution mode. */
export interface CallCosts {
  interpreted: number;
  jit: number;
  ram: number;
  callback: number;
  /** One loop iteration: interpreted, jit, ram. */
  loop: [number, number, number];
}

export function callCosts(m: CostModel): CallCosts {
  const perInstr = m.secondsPer1kInstructions / 1000;
  const call = (m.nativeCallInstructions + m.jsOverheadInstructions) * perInstr;
  return {
    interpreted: call,
    jit: call * m.jitFactor,
    ram: call * m.ramFactor,
    callback: m.callbackInstructions * perInstr,
    loop: [m.loopIterationInstructions * perInstr, m.loopIterationInstructions * perInstr * m.jitFactor, m.loopIterationInstructions * perInstr * m.ramFactor],
  };
}
