/**
 * A ForceSample feed for page tests that need no board: a person swaying on the left of the plate,
 * emitted in 80 Hz device time at `speed` times real time, with a controllable connection state.
 */
import { BehaviorSubject, Subject } from 'rxjs';
import type { LiveSource } from '../../host/live/hub.ts';
import type { ConnectionPhase } from '../../host/live/messages.ts';
import { DEFAULT_LAYOUT, type ForceSample, type PipelineEvent } from '../../host/pipeline/types.ts';

export interface SyntheticFeed {
  source: LiveSource;
  connection: BehaviorSubject<ConnectionPhase>;
  /** Stops the timer. */
  stop(): void;
  /** Samples emitted so far. */
  count(): number;
}

export function syntheticFeed(speed = 1, rateHz = 80): SyntheticFeed {
  const samples = new Subject<ForceSample>();
  const events = new Subject<PipelineEvent>();
  const connection = new BehaviorSubject<ConnectionPhase>('connected');
  let index = 0;
  const t0 = Date.now();
  const timer = setInterval(() => {
    if (connection.value !== 'connected') return;
    const due = Math.floor(((Date.now() - t0) / 1000) * rateHz * speed);
    while (index < due) {
      const t = index / rateHz;
      const x = -60 + 12 * Math.sin(2 * Math.PI * 0.31 * t) + 5 * Math.sin(2 * Math.PI * 1.7 * t);
      const y = -5 + 20 * Math.sin(2 * Math.PI * 0.23 * t + 1) + 6 * Math.sin(2 * Math.PI * 1.1 * t);
      const total = 700 + 15 * Math.sin(2 * Math.PI * 0.5 * t);
      const u = (x + 180) / 360;
      const v = (y + 180) / 360;
      const forces: [number, number, number, number] = [total * u * v, total * (1 - u) * v, total * (1 - u) * (1 - v), total * u * (1 - v)];
      samples.next({ index, t, hostTimeMs: Date.now(), raw: [0, 0, 0, 0], forces, total, cop: { x, y }, flags: 0 });
      index++;
    }
  }, 10);
  return {
    source: {
      label: 'synthetic feed',
      layout: DEFAULT_LAYOUT,
      nominalRateHz: rateHz,
      samples$: samples,
      events$: events,
      connection$: connection,
      tare: async () => {},
    },
    connection,
    stop: () => clearInterval(timer),
    count: () => index,
  };
}
