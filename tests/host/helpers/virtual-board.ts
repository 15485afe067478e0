/**
 * Test helper: an emulated board on the virtual clock, driven forward in small steps between event
 * loop turns, so host code (timers, promises, rxjs) runs interleaved with the firmware, much faster
 * than real time.
 */
import { createBoard, constantLoads, type BoardOptions, type EmulatedBoard } from '../../../firmware/emulator/index.ts';
import { simBoardStorage } from '../../../host/transport/sim.ts';

export interface DrivenBoard {
  board: EmulatedBoard;
  /** Stops driving (the board keeps its state). */
  stop(): void;
  /** Resolves once virtual time reaches `t` s (board.now()). */
  until(t: number): Promise<void>;
}

/** The board holds the simulated board's key (SimTransport's), so the host's writes authenticate. */
export function drivenBoard(opts: Partial<BoardOptions> = {}, stepS = 0.005): DrivenBoard {
  const board = createBoard({ clock: 'virtual', loads: constantLoads([180, 170, 160, 190]), seed: 5, storage: simBoardStorage(), ...opts });
  let running = true;
  const waiters: Array<{ t: number; resolve: () => void }> = [];
  void (async () => {
    while (running) {
      board.advance(stepS);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (board.now() >= waiters[i]!.t) waiters.splice(i, 1)[0]!.resolve();
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    board,
    stop: () => {
      running = false;
    },
    until: (t) => new Promise<void>((resolve) => waiters.push({ t, resolve })),
  };
}

/**
 * Compares the fresh (not stale-flagged) values of each cell with the emulator's HX711 readings:
 * in order and bit-exact, they must be readings the model produced (a chip a few % faster than the
 * sample clock produces readings the firmware never takes, so a subsequence, not a contiguous run).
 * Returns per cell how many fresh values matched and how many did not (values the firmware sent
 * that no chip produced: read-path glitches, which belong to the firmware, not the host).
 */
export function compareWithTruth(samples: Array<{ raw: number[]; flags: number }>, board: EmulatedBoard): Array<{ cell: number; matched: number; unmatched: number }> {
  const truth = board.cellTruth();
  const out: Array<{ cell: number; matched: number; unmatched: number }> = [];
  for (let c = 0; c < 4; c++) {
    const tr = truth[c]!.map((t) => t.counts);
    let j = 0;
    let matched = 0;
    let unmatched = 0;
    for (const s of samples) {
      if (s.flags & (1 << c)) continue;
      const v = s.raw[c]!;
      let k = j;
      while (k < tr.length && tr[k] !== v) k++;
      if (k >= tr.length) {
        unmatched++;
        continue;
      }
      j = k + 1;
      matched++;
    }
    out.push({ cell: c, matched, unmatched });
  }
  return out;
}

/**
 * For each cell: the spread (max - min, s) of (HX711 latch time - host sample time t) over the fresh
 * samples from index `fromIndex` on. The firmware takes each chip's latest conversion at its own
 * tick, so the lag moves within one chip period (~12.5 ms at 80 Hz); a spread within about one
 * period shows the host's reconstructed times follow the board's to within a period. `trim` leaves
 * out that fraction of the lags at each end (0: the whole range).
 */
export function latchLagSpread(samples: Array<{ index: number; t: number; raw: number[]; flags: number }>, board: EmulatedBoard, fromIndex: number, trim = 0): number[] {
  const truth = board.cellTruth();
  const out: number[] = [];
  for (let c = 0; c < 4; c++) {
    const tr = truth[c]!;
    let j = 0;
    const lags: number[] = [];
    for (const s of samples) {
      if (s.flags & (1 << c)) continue;
      let k = j;
      while (k < tr.length && tr[k]!.counts !== s.raw[c]) k++;
      if (k >= tr.length) continue;
      j = k + 1;
      if (s.index < fromIndex) continue;
      lags.push(tr[k]!.t - s.t);
    }
    lags.sort((a, b) => a - b);
    const cut = Math.floor(lags.length * trim);
    out.push(lags.length === 0 ? -Infinity : lags[lags.length - 1 - cut]! - lags[cut]!);
  }
  return out;
}

/**
 * For each sample (all four cells fresh), the position in the emulator's HX711 readings where all
 * four cells' values match, found in order (one reading per chip per sample); -1 if none.
 */
export function truthPositions(samples: Array<{ raw: number[] }>, board: EmulatedBoard): number[] {
  const truth = board.cellTruth().map((l) => l.map((r) => r.counts));
  const n = Math.min(...truth.map((l) => l.length));
  const out: number[] = [];
  let j = 0;
  for (const s of samples) {
    let k = j;
    while (k < n && !(truth[0]![k] === s.raw[0] && truth[1]![k] === s.raw[1] && truth[2]![k] === s.raw[2] && truth[3]![k] === s.raw[3])) k++;
    out.push(k < n ? k : -1);
    if (k < n) j = k + 1;
  }
  return out;
}
