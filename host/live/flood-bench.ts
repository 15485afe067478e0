/**
 * `live.status_stall_ms_max` (npm run bench -- --only=live): how late the terminal status line gets
 * while 200 pages are connected and one of them sends 10 000 messages/s (issue 12). The server
 * runs here with the real scoring on a synthetic 80 Hz board; the pages run in a child process
 * (flood-clients.ts) on loopback: 199 reading pages in one, the flooding page in another, so the
 * flooder's send loop is not slowed by the readers. The status line is written once a second; the figure is the
 * largest delay of a write beyond that second. Bounded: the flood stops by itself after `seconds`.
 */
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { Subject } from 'rxjs';
import { centreOfPressure } from '../pipeline/cop.ts';
import { DEFAULT_LAYOUT, type ForceSample, type PipelineEvent } from '../pipeline/types.ts';
import { createSyntheticPerson, personLoadSource } from '../sim/person.ts';
import { LiveHub } from './hub.ts';
import type { ConnectionPhase } from './messages.ts';
import { scoringAnalysis } from './scoring-analysis.ts';
import { startLiveServer } from './server.ts';
import { startTerminalView } from './terminal-view.ts';

export interface FloodFigures {
  statusStallMsMax: number;
  /** Messages the flooding page sent / the pages connected. */
  sent: number;
  connected: number;
  /** Largest event-loop delay seen by a 50 ms timer, ms. */
  loopLagMsMax: number;
}

export async function measureFlood(opts: { clients?: number; ratePerS?: number; seconds?: number } = {}): Promise<FloodFigures> {
  const clients = opts.clients ?? 200;
  const rate = opts.ratePerS ?? 10_000;
  const seconds = opts.seconds ?? 10;
  const person = createSyntheticPerson({ foot: 'left' });
  const load = personLoadSource(person, DEFAULT_LAYOUT);
  const samples$ = new Subject<ForceSample>();
  const hub = new LiveHub(
    { label: 'flood bench', layout: DEFAULT_LAYOUT, nominalRateHz: 80, samples$, events$: new Subject<PipelineEvent>(), connection$: new Subject<ConnectionPhase>(), tare: async () => {} },
    scoringAnalysis(),
  );
  hub.start();
  const server = await startLiveServer(hub, { port: 0 });
  // the board: 80 Hz in bursts of 4, as a BLE board delivers them
  let index = 0;
  const t0 = performance.now();
  const feed = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * 80);
    for (; index < due; index++) {
      const forces = load(index / 80);
      const total = forces[0] + forces[1] + forces[2] + forces[3];
      samples$.next({ index, t: index / 80, hostTimeMs: Date.now(), raw: [0, 0, 0, 0], forces, total, cop: centreOfPressure(forces, DEFAULT_LAYOUT.cells), flags: 0 });
    }
  }, 50);
  // the status line, as `tripod live` writes it when not on a terminal: once a second
  const writes: number[] = [];
  const sink = new Writable({
    write(_chunk, _enc, cb) {
      writes.push(performance.now());
      cb();
    },
  });
  const view = startTerminalView(() => hub.snapshot(), sink);
  let lagMax = 0;
  let lastTick = performance.now();
  const lag = setInterval(() => {
    const now = performance.now();
    lagMax = Math.max(lagMax, now - lastTick - 50);
    lastTick = now;
  }, 50);
  try {
    const run = async (n: number, perS: number): Promise<{ connected: number; sent: number }> => {
      const script = new URL('./flood-clients.ts', import.meta.url).pathname;
      const child = spawn(process.execPath, ['--import', 'tsx', script, `ws://127.0.0.1:${server.port}/ws`, String(n), String(perS), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      if (code !== 0) throw new Error(`flood clients exited with ${code}`);
      return JSON.parse(out.trim().split('\n').at(-1)!) as { connected: number; sent: number };
    };
    const [readers, flooder] = await Promise.all([run(clients - 1, 0), run(1, rate)]);
    const r = { connected: readers.connected + flooder.connected, sent: flooder.sent };
    let stall = 0;
    for (let i = 1; i < writes.length; i++) stall = Math.max(stall, writes[i]! - writes[i - 1]! - 1000);
    return { statusStallMsMax: Math.max(0, Math.round(stall)), sent: r.sent, connected: r.connected, loopLagMsMax: Math.round(lagMax) };
  } finally {
    clearInterval(lag);
    clearInterval(feed);
    view.stop();
    await server.close();
    hub.stop();
  }
}
