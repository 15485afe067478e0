/**
 * The live stack on the simulated board (tests and `npm run bench`), as `tripod live` runs it: the board emulator running the
 * built firmware (firmware/dist/tripod.js), reached through the sim transport and the host session,
 * the synthetic person standing on it, the live hub with the project's scoring, and the page server.
 * `speed` > 1 drives the emulator's virtual clock faster than real time (the firmware, the radio and
 * the host pipeline see the same board time; only the wall clock is compressed).
 */
import type { ForceSample } from '../pipeline/types.ts';
import { scoringAnalysis } from './scoring-analysis.ts';
import { startLive, type Live } from './index.ts';
import type { TrialSetup } from './messages.ts';
import { sessionSource, type SessionLiveSource } from './session-source.ts';
import { openBoard, type BoardSession } from '../session.ts';
import { createSyntheticPerson, personLoadSource, type SyntheticPersonOptions } from '../sim/person.ts';
import { simBoardStorage, type SimTransport } from '../transport/sim.ts';
import { createBoard, type EmulatedBoard } from '../../firmware/emulator/index.ts';

export interface SimLive {
  session: BoardSession;
  source: SessionLiveSource;
  live: Live;
  url: string;
  board: EmulatedBoard | null;
  /** Every sample the session delivered, in order (when `keep`). */
  samples: ForceSample[];
  /** Drops the radio link (the transport reconnects by itself). */
  loseLink(): void;
  close(): Promise<void>;
}

export interface SimLiveOptions {
  person?: SyntheticPersonOptions;
  /** Times real time (virtual clock); 1 = the realtime board `tripod live` uses. */
  speed?: number;
  setup?: TrialSetup;
  keep?: boolean;
}

export async function startSimLive(opts: SimLiveOptions = {}): Promise<SimLive> {
  const loads = personLoadSource(createSyntheticPerson({ foot: 'left', seed: 3, stepOnS: 0.3, ...opts.person }));
  const speed = opts.speed ?? 1;
  let board: EmulatedBoard | null = null;
  let driver: ReturnType<typeof setInterval> | undefined;
  if (speed !== 1) {
    const b = createBoard({ clock: 'virtual', loads, seed: 3, storage: simBoardStorage() });
    board = b;
    let last = performance.now();
    driver = setInterval(() => {
      const now = performance.now();
      // at most 0.25 s of board time per tick, so a stalled event loop cannot make a huge step
      b.advance(Math.min(0.25, ((now - last) / 1000) * speed));
      last = now;
    }, 10);
  }
  const session = await openBoard({ kind: 'sim', seed: 3 }, { sim: board ? { board } : { loads } });
  const samples: ForceSample[] = [];
  const keep = opts.keep ? session.samples$.subscribe((s) => samples.push(s)) : null;
  const source = sessionSource(session);
  const live = await startLive(source, scoringAnalysis(), { setup: opts.setup ?? { foot: 'left', eyes: 'open', surface: 'firm', durationS: 20 } });
  return {
    session,
    source,
    live,
    url: live.server!.url,
    board,
    samples,
    loseLink: () => (session.transport as SimTransport).loseLink(),
    close: async () => {
      await live.close();
      source.stop();
      keep?.unsubscribe();
      await session.close();
      if (driver) clearInterval(driver);
      board?.stop();
    },
  };
}
