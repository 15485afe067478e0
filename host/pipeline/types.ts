/**
 * Records that flow through the host pipeline. Axis convention (plate frame, mm):
 * x = medio-lateral, positive to the subject's right; y = antero-posterior, positive forward (toes);
 * origin = plate centre. Cells are numbered by quadrant like C3D CORNERS:
 * 0 = (+x,+y) front-right, 1 = (-x,+y) front-left, 2 = (-x,-y) rear-left, 3 = (+x,-y) rear-right.
 */

export const CELL_COUNT = 4;

/** A point on the plate, mm. */
export interface PointMm {
  x: number;
  y: number;
}

/** The board's mechanical layout: where the cells are and the plate outline (mm, plate frame). */
export interface BoardLayout {
  /** Cell centres, index = cell number (see the quadrant order above). */
  cells: [PointMm, PointMm, PointMm, PointMm];
  /** Plate outline as a rectangle centred on the origin. */
  plate: { widthMm: number; depthMm: number };
}

/** Our reference board: a 420 x 420 mm plate, cells 360 mm apart on both axes. */
export const DEFAULT_LAYOUT: BoardLayout = {
  cells: [
    { x: 180, y: 180 },
    { x: -180, y: 180 },
    { x: -180, y: -180 },
    { x: 180, y: -180 },
  ],
  plate: { widthMm: 420, depthMm: 420 },
};

/** Per-cell linear calibration: force_N = (counts - offset) * scale. */
export interface CellCalibration {
  /** Raw HX711 counts with no load on the cell. */
  offset: number;
  /** Newtons per count (positive for a correctly wired cell). */
  scale: number;
}

/** One calibrated sample: everything downstream (scoring, live page, exports) works on these. */
export interface ForceSample {
  /** Unwrapped sample index since the stream started (0, 1, 2, ...; gaps show as jumps). */
  index: number;
  /** Device time of the sample, s, reconstructed from the frame time base (monotonic). */
  t: number;
  /** Host wall-clock receive time of the frame that carried the sample, ms since the epoch. */
  hostTimeMs: number;
  /** Raw 24-bit signed HX711 counts, per cell. */
  raw: [number, number, number, number];
  /** Calibrated vertical force per cell, N. */
  forces: [number, number, number, number];
  /** Sum of the four cell forces, N. */
  total: number;
  /** Centre of pressure, mm in the plate frame; null when total is below the minimum load. */
  cop: PointMm | null;
  /** Per-sample status flags exactly as carried by the protocol (see protocol/SPEC.md). */
  flags: number;
}

/** Stream events that are not samples: accounted losses, duplicates, device events. */
export type PipelineEvent =
  | { type: 'gap'; fromIndex: number; count: number; reason: string }
  | { type: 'duplicate'; index: number; count: number }
  | { type: 'device-overflow'; dropped: number }
  | { type: 'device-event'; name: string; detail: Record<string, unknown> }
  | { type: 'consumer-overflow'; dropped: number }
  /** A frame the decoder could not use (its samples, if any, are accounted by a later 'gap'). */
  | { type: 'frame-error'; code: string; message: string }
  /** The link to the board dropped / came back (BLE reconnect); samples missed show as a 'gap'. */
  | { type: 'link-lost'; hostTimeMs: number; reason: string }
  | { type: 'link-restored'; hostTimeMs: number }
  /** The board started a new stream: indices restart at `index` (0). */
  | { type: 'stream-start'; index: number };
