/** A finished trial as the live link hands it to the store, with chosen numbers. */
import type { NewTrial } from '../../host/clinic/types.ts';

export function newTrial(patientId: number, o: { endedAt?: string; foot?: 'left' | 'right'; eyes?: 'open' | 'closed'; surface?: 'firm' | 'foam'; held?: number; touchDowns?: number; inZone?: number; durationS?: number } = {}): NewTrial {
  const held = o.held ?? 20;
  const td = o.touchDowns ?? 0;
  const inZone = o.inZone ?? 80;
  return {
    patientId,
    endedAt: o.endedAt ?? new Date().toISOString(),
    conditions: { foot: o.foot ?? 'left', eyes: o.eyes ?? 'open', surface: o.surface ?? 'firm', durationS: o.durationS ?? 20 },
    summary: { timeHeldS: held, errors: td, touchDowns: td, completed: true, inZonePct: inZone, heelPct: 40, mt1Pct: 31, mt5Pct: 29, velocityMmS: 30.5, area95Mm2: 350 },
    rows: [
      { group: 'Stance', key: 'timeHeldS', label: 'Time held', unit: 's', value: held, text: held.toFixed(2) },
      { group: 'Tripod', key: 'inZonePct', label: 'Time in zone', unit: '%', value: inZone, text: inZone.toFixed(1) },
    ],
    result: { timeHeldS: held, nested: { a: [1, 2, 3] } },
    trace: { t: [0, 0.1, 0.2], x: [1, 2, 3], y: [-1, 0, 1] },
    geometry: {
      outline: [{ x: 0, y: 0 }, { x: 50, y: 0 }, { x: 50, y: 200 }, { x: 0, y: 200 }],
      tripod: { heel: { x: 25, y: 20 }, mt1: { x: 10, y: 170 }, mt5: { x: 45, y: 160 } },
      zone: [{ x: 20, y: 100 }, { x: 30, y: 100 }, { x: 25, y: 110 }],
      target: { x: 25, y: 105 },
    },
    recording: '/data/rec/session-1.tripod',
    fromIndex: 100,
    toIndex: 1900,
    board: { label: 'simulated board', kind: 'sim', firmware: '1.2.3', name: 'sim:3' },
    calibration: { cells: [{ offset: 1, scale: 2 }], source: 'board' },
  };
}
