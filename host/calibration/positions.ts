/**
 * Where the wizard asks for the mass: the plate centre, then one mark near each cell. The marks sit
 * at `NEAR_CELL_FRACTION` of the way from the centre to each cell centre (2/3: on the reference
 * layout, (+-120, +-120) mm), inside the support rectangle so the plate never tips, and far enough
 * out that each cell carries most of the weight once (which is what makes its scale well determined).
 */
import type { BoardLayout, PointMm } from '../pipeline/types.ts';

export const NEAR_CELL_FRACTION = 2 / 3;

export interface MarkedPosition {
  name: string;
  /** Plate frame, mm (x to the subject's right, y forward, origin at the plate centre). */
  position: PointMm;
}

const CELL_NAMES = ['front-right', 'front-left', 'rear-left', 'rear-right'] as const;

/** Centre plus one mark near each cell, in the order the wizard asks for them. */
export function calibrationPositions(layout: BoardLayout, fraction = NEAR_CELL_FRACTION): MarkedPosition[] {
  const out: MarkedPosition[] = [{ name: 'centre', position: { x: 0, y: 0 } }];
  layout.cells.forEach((c, i) => {
    out.push({
      name: `${CELL_NAMES[i]} (near cell ${i})`,
      position: { x: round1(c.x * fraction), y: round1(c.y * fraction) },
    });
  });
  return out;
}

/** How to find a mark on the plate, for the prompt: "120 mm right and 120 mm forward of the centre". */
export function describePosition(p: PointMm): string {
  if (p.x === 0 && p.y === 0) return 'the centre of the plate';
  const parts: string[] = [];
  if (p.x !== 0) parts.push(`${Math.abs(p.x)} mm ${p.x > 0 ? 'right' : 'left'}`);
  if (p.y !== 0) parts.push(`${Math.abs(p.y)} mm ${p.y > 0 ? 'forward' : 'back'}`);
  return `${parts.join(' and ')} of the centre`;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
