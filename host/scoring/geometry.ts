/**
 * Foot placement on the plate, the tripod landmarks (heel centre, 1st and 5th metatarsal heads),
 * the foot outline, and the tripod shares: barycentric coordinates of the CoP in the landmark
 * triangle. All positions are mm in the plate frame (x right, y forward, origin plate centre).
 *
 * Foot frame: u across the foot, positive toward the LATERAL side (the little toe), v along the foot
 * axis (heel centre to the 2nd toe), v = 0 at the back of the heel, v = L at the tip of the longest
 * toe. For a right foot lateral is +x; for a left foot lateral is -x. The foot's mark (printed on the
 * board) is the midpoint of the axis, v = L / 2.
 *
 * Proportions (FOOT_PROPORTIONS) are OUR APPROXIMATIONS, not measurements of any one person:
 * - ball width (1st to 5th metatarsal head, outer edges) about 0.38-0.40 of foot length in adult
 *   anthropometric surveys (e.g. Hawes & Sovak 1994, Ergonomics 37:1213); we use 0.39.
 * - the metatarsal heads lie in the forefoot third of the toe-less footprint (Cavanagh & Rodgers
 *   1987, J Biomech 20:547, divide it into equal thirds), i.e. beyond about 55 % of foot length;
 *   the 1st head lies distal to the 5th (the metatarsal parabola). The 72 % and 63 % we use are our
 *   estimate within that band, not a published figure.
 * - the heel centre (calcaneal tuberosity contact) at 10 % of foot length, on the axis.
 * They are good to perhaps 10-15 mm for a typical adult foot; anyone who needs better can pass
 * their own proportions (FootPlacement.proportions).
 */
import type { PointMm } from '../pipeline/types.ts';

export type FootSide = 'left' | 'right';

/** Landmark positions as fractions: u of ball width (lateral +), v of foot length from the heel. */
export interface FootProportions {
  /** Ball width / foot length, used when the width is not given. */
  widthRatio: number;
  heel: { u: number; v: number };
  mt1: { u: number; v: number };
  mt5: { u: number; v: number };
  /** Convex outline, counter-clockwise for a RIGHT foot (u lateral +, v forward), fractions of W, L. */
  outline: Array<{ u: number; v: number }>;
}

export const FOOT_PROPORTIONS: FootProportions = {
  widthRatio: 0.39,
  heel: { u: 0, v: 0.1 },
  mt1: { u: -0.38, v: 0.72 },
  mt5: { u: 0.38, v: 0.63 },
  outline: [
    { u: 0, v: 0 },
    { u: 0.26, v: 0.03 },
    { u: 0.34, v: 0.12 },
    { u: 0.45, v: 0.45 },
    { u: 0.5, v: 0.63 },
    { u: 0.45, v: 0.78 },
    { u: 0.25, v: 0.93 },
    { u: -0.1, v: 1 },
    { u: -0.38, v: 0.93 },
    { u: -0.5, v: 0.72 },
    { u: -0.42, v: 0.45 },
    { u: -0.32, v: 0.12 },
    { u: -0.24, v: 0.03 },
  ],
};

export interface FootPlacement {
  side: FootSide;
  /** Heel to longest toe, mm (adults 220-300). */
  lengthMm: number;
  /** Ball width, mm; defaults to widthRatio x length. */
  widthMm?: number;
  /** Where the midpoint of the foot axis stands on the plate, mm; defaults to the layout's mark. */
  centre: PointMm;
  /** Toe-out angle, degrees, positive turns the toes laterally; defaults to 0 (axis along +y). */
  toeOutDeg?: number;
  proportions?: FootProportions;
}

export interface FootLandmarks {
  side: FootSide;
  lengthMm: number;
  widthMm: number;
  centre: PointMm;
  heel: PointMm;
  mt1: PointMm;
  mt5: PointMm;
  /** Convex foot outline, plate frame, counter-clockwise. */
  outline: PointMm[];
}

/** Maps a foot-frame point (u lateral mm, v forward from the heel mm) to the plate frame. */
export function footToPlate(placement: FootPlacement, u: number, v: number): PointMm {
  const lateralSign = placement.side === 'right' ? 1 : -1;
  const a = (((placement.toeOutDeg ?? 0) * Math.PI) / 180) * lateralSign;
  // Unrotated: x = sign * u, y = v - L/2; then rotate by -a (toe-out turns +y toward lateral).
  const x0 = lateralSign * u;
  const y0 = v - placement.lengthMm / 2;
  const c = Math.cos(a);
  const s = Math.sin(a);
  return { x: placement.centre.x + x0 * c + y0 * s, y: placement.centre.y - x0 * s + y0 * c };
}

function checkPlacement(p: FootPlacement): void {
  if (p.side !== 'left' && p.side !== 'right') throw new TypeError(`foot side: expected 'left' or 'right', got ${JSON.stringify(p.side)}`);
  if (!Number.isFinite(p.lengthMm) || p.lengthMm < 100 || p.lengthMm > 400) {
    throw new RangeError(`foot length: expected 100..400 mm, got ${p.lengthMm}`);
  }
  if (p.widthMm !== undefined && (!Number.isFinite(p.widthMm) || p.widthMm < 40 || p.widthMm > 200)) {
    throw new RangeError(`foot width: expected 40..200 mm, got ${p.widthMm}`);
  }
  if (!Number.isFinite(p.centre.x) || !Number.isFinite(p.centre.y)) throw new RangeError('foot centre: expected finite x and y, mm');
}

/** The heel / 1st MT / 5th MT landmarks and outline of a placed foot. */
export function footLandmarks(placement: FootPlacement): FootLandmarks {
  checkPlacement(placement);
  const prop = placement.proportions ?? FOOT_PROPORTIONS;
  const L = placement.lengthMm;
  const W = placement.widthMm ?? prop.widthRatio * L;
  const at = (q: { u: number; v: number }): PointMm => footToPlate(placement, q.u * W, q.v * L);
  let outline = prop.outline.map(at);
  // A left foot is the mirror image: mirroring reverses the winding, so restore counter-clockwise.
  if (signedArea(outline) < 0) outline = outline.reverse();
  return {
    side: placement.side,
    lengthMm: L,
    widthMm: W,
    centre: { ...placement.centre },
    heel: at(prop.heel),
    mt1: at(prop.mt1),
    mt5: at(prop.mt5),
    outline,
  };
}

/** The signed area of a polygon, mm^2 (positive counter-clockwise). */
export function signedArea(poly: readonly PointMm[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    s += a.x * b.y - b.x * a.y;
  }
  return s / 2;
}

/** Tripod shares: fractions of the CoP on heel / 1st MT / 5th MT; sum to 1, may leave 0..1. */
export interface TripodShares {
  heel: number;
  mt1: number;
  mt5: number;
}

/**
 * Triangle side the CoP left by: 'forefoot' (beyond the 1st-5th MT line: on the toes), 'medial'
 * (beyond heel-1st MT: rolling in), 'lateral' (beyond heel-5th MT: rolling out).
 */
export type TripodSide = 'forefoot' | 'medial' | 'lateral';

export interface TripodReading {
  shares: TripodShares;
  /** null inside the triangle (edges included); else the side whose line the CoP is farthest beyond. */
  outside: TripodSide | null;
  /** Every side whose line the CoP is beyond (two near a corner). */
  outsideSides: TripodSide[];
}

/** Barycentric coordinates of `cop` in the triangle (heel, mt1, mt5); exact, not clamped. */
export function tripodShares(cop: PointMm, lm: Pick<FootLandmarks, 'heel' | 'mt1' | 'mt5'>): TripodReading {
  const { heel: a, mt1: b, mt5: c } = lm;
  const det = (b.y - c.y) * (a.x - c.x) + (c.x - b.x) * (a.y - c.y);
  if (det === 0) throw new RangeError('tripod landmarks are collinear: check the foot length and width');
  const heel = ((b.y - c.y) * (cop.x - c.x) + (c.x - b.x) * (cop.y - c.y)) / det;
  const mt1 = ((c.y - a.y) * (cop.x - c.x) + (a.x - c.x) * (cop.y - c.y)) / det;
  const mt5 = 1 - heel - mt1;
  const shares = { heel, mt1, mt5 };
  // Distance beyond each side = -coordinate x (altitude from the opposite vertex).
  const beyond: Array<[TripodSide, number]> = [];
  const twiceArea = Math.abs(det);
  const dist = (coord: number, p: PointMm, q: PointMm): number => (-coord * twiceArea) / Math.hypot(p.x - q.x, p.y - q.y);
  if (heel < 0) beyond.push(['forefoot', dist(heel, b, c)]);
  if (mt1 < 0) beyond.push(['lateral', dist(mt1, a, c)]);
  if (mt5 < 0) beyond.push(['medial', dist(mt5, a, b)]);
  beyond.sort((p, q) => q[1] - p[1]);
  return { shares, outside: beyond[0]?.[0] ?? null, outsideSides: beyond.map((e) => e[0]) };
}

/** The plate point whose tripod shares are `s` (inverse of tripodShares). */
export function pointFromShares(s: TripodShares, lm: Pick<FootLandmarks, 'heel' | 'mt1' | 'mt5'>): PointMm {
  return {
    x: s.heel * lm.heel.x + s.mt1 * lm.mt1.x + s.mt5 * lm.mt5.x,
    y: s.heel * lm.heel.y + s.mt1 * lm.mt1.y + s.mt5 * lm.mt5.y,
  };
}

/** Whether p lies inside (or on) a convex counter-clockwise polygon. */
export function insideConvex(p: PointMm, poly: readonly PointMm[]): boolean {
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    if ((b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) < 0) return false;
  }
  return true;
}

/**
 * Distance along direction (dx, dy) from p (inside) to the boundary of a convex counter-clockwise
 * polygon, in units of |(dx, dy)|: p + t (dx, dy) hits the boundary at the returned t (>= 0).
 * Infinity for a zero direction; 0 when p is already outside.
 */
export function rayExitConvex(px: number, py: number, dx: number, dy: number, poly: readonly PointMm[]): number {
  if (dx === 0 && dy === 0) return Infinity;
  let tMin = Infinity;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    // Inward normal of edge a->b for CCW: n = (-(b.y - a.y), b.x - a.x); inside when n.(p-a) >= 0.
    const nx = -(b.y - a.y);
    const ny = b.x - a.x;
    const side = nx * (px - a.x) + ny * (py - a.y);
    if (side < 0) return 0;
    const rate = nx * dx + ny * dy;
    if (rate < 0) {
      const t = side / -rate;
      if (t < tMin) tMin = t;
    }
  }
  return tMin;
}
