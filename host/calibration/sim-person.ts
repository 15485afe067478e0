/**
 * The simulated person for `tripod calibrate --sim`: puts a known mass where the wizard asks, on an
 * emulated board whose cells are deliberately mis-scaled and offset, so the whole flow runs on any
 * machine and its result can be checked against the emulator's truth.
 *
 * How a point mass loads four cells: a rigid plate on four supports is statically indeterminate; we
 * use the bilinear share, which satisfies all three equilibrium equations exactly for supports on a
 * rectangle (cell i at (sx_i a, sy_i b), sx, sy = +-1):
 *   F_i = W (1/2 + sx_i X / (2a)) (1/2 + sy_i Y / (2b)).
 */
import type { BoardLayout, PointMm } from '../pipeline/types.ts';
import { STANDARD_GRAVITY } from './solve.ts';
import type { WizardStep, WizardUi, WizardProgress } from './wizard.ts';

type Quad = [number, number, number, number];
export type LoadFn = (tSeconds: number) => Quad;

/** Cell forces (N) of a point mass at `p` on a rectangular layout. Throws if the layout is not a rectangle centred on the origin. */
export function pointMassForces(massKg: number, p: PointMm, layout: BoardLayout): Quad {
  const a = Math.abs(layout.cells[0].x);
  const b = Math.abs(layout.cells[0].y);
  for (const c of layout.cells) {
    if (Math.abs(Math.abs(c.x) - a) > 1e-9 || Math.abs(Math.abs(c.y) - b) > 1e-9) {
      throw new TypeError('pointMassForces: the simulated person needs cells on a rectangle centred on the origin');
    }
  }
  const W = massKg * STANDARD_GRAVITY;
  return layout.cells.map((c) => W * (0.5 + (Math.sign(c.x) * p.x) / (2 * a)) * (0.5 + (Math.sign(c.y) * p.y) / (2 * b))) as Quad;
}

/** How the simulated person misbehaves, for tests of refusals. */
export interface SimMisbehaviour {
  /** At this position index the mass slides steadily while being measured, mm/s. */
  slideAtPosition?: number;
  slideMmPerS?: number;
  /** At this position index the mass sits this far (mm, +x) from its mark, perfectly still. */
  misplaceAtPosition?: number;
  misplaceMm?: number;
  /** The mass actually placed, kg (differs from the one the wizard was told: a wrong mass). */
  trueMassKg?: number;
  /** This cell's HX711 is unplugged from the start (its DOUT floats high: never ready). */
  unplugCell?: number;
}

export interface SimBoardLoads {
  /** Replaces what presses on the cells (the emulator's setLoads). */
  setLoads(fn: LoadFn): void;
  /** Changes a cell's model (the emulator's setCell). */
  setCell?(index: number, o: { unplugged?: boolean }): void;
}

/**
 * A WizardUi that moves the mass on the emulated board (and forwards progress to `inner` if given).
 * The slide starts at the moment the mass is placed (board time of the first load evaluation).
 */
export function simulatedPerson(board: SimBoardLoads, layout: BoardLayout, massKg: number, mis: SimMisbehaviour = {}, inner?: WizardUi): WizardUi {
  const mass = mis.trueMassKg ?? massKg;
  return {
    async instruct(step: WizardStep): Promise<void> {
      if (step.kind === 'tare' && mis.unplugCell !== undefined) board.setCell?.(mis.unplugCell, { unplugged: true });
      if (step.kind === 'tare' || step.kind === 'remove') {
        board.setLoads(() => [0, 0, 0, 0]);
      } else {
        const mark = step.mark.position;
        if (mis.slideAtPosition === step.index) {
          const v = mis.slideMmPerS ?? 20;
          let t0: number | null = null;
          board.setLoads((t) => {
            t0 ??= t;
            const x = Math.max(-0.9 * Math.abs(layout.cells[0].x), Math.min(0.9 * Math.abs(layout.cells[0].x), mark.x + v * (t - t0)));
            return pointMassForces(mass, { x, y: mark.y }, layout);
          });
        } else {
          const dx = mis.misplaceAtPosition === step.index ? (mis.misplaceMm ?? 30) : 0;
          const f = pointMassForces(mass, { x: mark.x + dx, y: mark.y }, layout);
          board.setLoads(() => f);
        }
      }
      await inner?.instruct(step);
    },
    progress(p: WizardProgress): void {
      inner?.progress(p);
    },
  };
}
