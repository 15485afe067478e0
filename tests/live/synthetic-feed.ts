/**
 * A ForceSample feed for page tests that do not need the emulated board: the project's synthetic
 * person (host/sim/person.ts) on the default layout, sampled at 80 Hz of device time and emitted at
 * `speed` times real time, with a controllable connection state. The board-level end-to-end tests
 * use the simulated board instead.
 */
import { BehaviorSubject, Subject } from 'rxjs';
import type { LiveSource } from '../../host/live/hub.ts';
import type { ConnectionPhase } from '../../host/live/messages.ts';
import { centreOfPressure } from '../../host/pipeline/cop.ts';
import { DEFAULT_LAYOUT, type ForceSample, type PipelineEvent } from '../../host/pipeline/types.ts';
import { createSyntheticPerson, personLoadSource, type SyntheticPersonOptions } from '../../host/sim/person.ts';

export interface SyntheticFeed {
  source: LiveSource;
  connection: BehaviorSubject<ConnectionPhase>;
  /** Every sample emitted, in order (for comparing with what the host scored). */
  emitted: ForceSample[];
  stop(): void;
}

export interface SyntheticFeedOptions {
  /** Times real time (default 1). */
  speed?: number;
  rateHz?: number;
  person?: SyntheticPersonOptions;
  /** Keep every emitted sample in `emitted` (default false). */
  keep?: boolean;
}

export function syntheticFeed(opts: SyntheticFeedOptions = {}): SyntheticFeed {
  const speed = opts.speed ?? 1;
  const rateHz = opts.rateHz ?? 80;
  const person = createSyntheticPerson({ foot: 'left', stepOnS: 0.2, ...opts.person });
  const load = personLoadSource(person, DEFAULT_LAYOUT);
  const samples = new Subject<ForceSample>();
  const events = new Subject<PipelineEvent>();
  const connection = new BehaviorSubject<ConnectionPhase>('connected');
  const emitted: ForceSample[] = [];
  let index = 0;
  let deviceT = 0;
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const dt = ((now - last) / 1000) * speed;
    last = now;
    if (connection.value !== 'connected') return; // the board is away: device time stops for us
    deviceT += dt;
    while (index / rateHz <= deviceT) {
      const t = index / rateHz;
      const forces = load(t);
      const total = forces[0] + forces[1] + forces[2] + forces[3];
      const s: ForceSample = { index, t, hostTimeMs: now, raw: [0, 0, 0, 0], forces, total, cop: centreOfPressure(forces, DEFAULT_LAYOUT.cells), flags: 0 };
      if (opts.keep) emitted.push(s);
      samples.next(s);
      index++;
    }
  }, 10);
  return {
    source: {
      label: 'synthetic person',
      layout: DEFAULT_LAYOUT,
      nominalRateHz: rateHz,
      samples$: samples,
      events$: events,
      connection$: connection,
      tare: async () => {},
    },
    connection,
    emitted,
    stop: () => clearInterval(timer),
  };
}
