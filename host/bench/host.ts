/**
 * Host figures:
 *   host.replay_samples_per_s  a 1-hour 80 Hz recording (288,000 samples, frames as today's firmware
 *                              streams them: protocol 1.2 KEY2/DELTA2 (createFrameEncoder2, what the
 *                              native encoder makes), 50-byte payload, FRAME_SAMPLES_REFERENCE (2)
 *                              samples per frame, a KEY2 every KEY_INTERVAL_DEFAULT (80) samples:
 *                              144,000 frames)
 *                              replayed as fast as possible through decode, calibration, CoP and
 *                              scoring (the same path as `tripod replay --speed max`: the session's
 *                              blocks$, ForceBlocks of typed arrays, each scored by the block scorer,
 *                              host/scoring/block.ts: tripod shares, score, % in zone, sway), in a
 *                              fresh child process (cold JIT); median of REPLAY_RUNS children. Timed
 *                              from openBoard() (file opened, header read) to the last block scored;
 *                              the modules a replay needs are imported before (host.replay_import_ms)
 *   host.replay_cpu_samples_per_s  the same over the child's CPU time (user + system, every thread:
 *                              JIT compiler and GC included; the log line gives the main thread's
 *                              share on Linux) during the replay: the figure to compare across runs
 *                              on a loaded machine
 *   host.replay_import_ms      CPU time the child spends importing the session, the replay transport
 *                              and the scorer (once per process, whatever the recording's length);
 *                              the bench runs the sources through tsx, which transpiles them here
 *                              (the compiled CLI imported the same modules in about half the time)
 *   host.replay_peak_rss_mb    that child's peak resident memory (includes Node and tsx)
 *   host.latency_ms_p50/p99    emulator sample instant (the firmware's getTime() when it read the
 *                              sample, minus half a period: the sample's own time stamp) to the
 *                              CoP emitted on the host's samples$, through the simulated BLE link
 *                              at the firmware's own connection interval (15 ms, which the
 *                              emulated central grants), MTU 53 (payload 50) and the firmware's
 *                              default samples per frame (2). Measured on the emulator's virtual
 *                              clock advanced in 0.25 ms steps, so it counts frame batching,
 *                              notification pacing and the radio, not the host's CPU time
 *                              (microseconds per frame, see replay_samples_per_s).
 *   host.latency_ms_p99_last_in_frame  the same for the last sample of each frame only: what the
 *                              device's send and the radio add, without the wait for the frame to
 *                              fill (samples per frame - 1 periods for a frame's first)
 *   host.latency_ms_p50/p99.mtu23  the same at MTU 23 (payload 20: a central that never raises it)
 *   host.latency_ms_p50/p99.spf4  the same with the board asked for 4 samples per frame
 *                              (SET_FRAME_SAMPLES; the default before 2026-12-07)
 *   host.received_pct.interval30  samples the host got, % of those the board took, when the
 *                              central imposes a 30 ms connection interval: one notification per
 *                              connection event is 33/s, fewer than the 40 frames/s of 2 samples
 *                              at 80 Hz, so the radio drops frames (firmware/README.md "Pacing")
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchModule, Figures } from './types.ts';

const SELF = fileURLToPath(import.meta.url);
const RATE_HZ = 80;
const HOUR_SAMPLES = 3600 * RATE_HZ;
/** Fresh children per replay figure (the median is reported: the machine is shared). */
const REPLAY_RUNS = 3;

export interface ReplayRun {
  samples: number;
  withCop: number;
  inZonePct: number;
  swaySamples: number;
  seconds: number;
  cpuSeconds: number;
  importCpuMs: number;
  /** CPU time of the main thread during the replay, ms (Linux; null elsewhere): the rest of cpuSeconds is V8's compiler and GC threads. */
  mainThreadCpuMs: number | null;
  maxRssKb: number;
}

/**
 * CPU time of this process's main thread so far, ms (Linux /proc: schedstat's run time, exact to a
 * scheduler tick of a few ms; stat's 10 ms ticks where schedstat is missing), or null.
 */
function mainThreadCpuMs(): number | null {
  const task = `/proc/self/task/${process.pid}`;
  try {
    return Math.round(Number(fs.readFileSync(`${task}/schedstat`, 'utf8').split(' ')[0]) / 1e6);
  } catch {
    // no schedstat (kernel without CONFIG_SCHED_INFO)
  }
  try {
    const st = fs.readFileSync(`${task}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * (1000 / 100);
  } catch {
    return null;
  }
}

export async function writeHourRecording(file: string): Promise<void> {
  const { createFrameEncoder2, FRAME_SAMPLES_REFERENCE, KEY_INTERVAL_DEFAULT, PAYLOAD_ESPRUINO_MAX } = await import('../../protocol/index.ts');
  const { RecordingWriter } = await import('../recording/writer.ts');
  const { createSyntheticPerson, personLoadSource } = await import('../sim/person.ts');
  const { REFERENCE_COUNTS_PER_N } = await import('../pipeline/calibration.ts');
  const loads = personLoadSource(createSyntheticPerson({ seed: 3 }));
  const offsets = [41230, -23001, 15000, 70321];
  const w = RecordingWriter.create(
    file,
    {
      format: 'tripod-recording',
      formatVersion: 1,
      createdAt: new Date().toISOString(),
      software: { name: 'tripod', version: 'bench' },
      source: { kind: 'sim', description: 'bench: synthetic person, protocol 1.2 encoder as the firmware streams' },
      board: { sampleRateHz: RATE_HZ },
      calibration: { cells: offsets.map((o) => ({ offset: o, scale: 1 / REFERENCE_COUNTS_PER_N })), source: 'bench' },
      subjectId: 'bench',
      notes: null,
    },
    { overwrite: true, fsyncEveryMs: 0 },
  );
  // As the firmware streams by default (firmware/src/settings.ts samplesPerFrameFor, keyIntervalFor;
  // a host asks for 1.2 frames at START_STREAM): each frame sent as soon as it holds its samples.
  const enc = createFrameEncoder2(PAYLOAD_ESPRUINO_MAX, FRAME_SAMPLES_REFERENCE, KEY_INTERVAL_DEFAULT);
  let seed = 12345;
  const noise = (): number => {
    // sum of 4 uniforms ~ normal; 64 counts RMS (HX711 at 80 Hz)
    let s = 0;
    for (let k = 0; k < 4; k++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      s += seed / 2 ** 32 - 0.5;
    }
    return s * 64 * Math.sqrt(3);
  };
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < HOUR_SAMPLES; i++) {
    const t = i / RATE_HZ;
    const f = loads(t);
    const c = [0, 1, 2, 3].map((k) => Math.round(offsets[k]! + f[k]! * REFERENCE_COUNTS_PER_N + noise()));
    let frame = enc.add(c[0]!, c[1]!, c[2]!, c[3]!, 0, t * 1000);
    while (frame) {
      w.writeMessage('data', t0 + t * 1000 + 20, frame);
      frame = enc.poll();
    }
  }
  let f = enc.flush();
  while (f) {
    w.writeMessage('data', t0 + 3600_000, f);
    f = enc.poll();
  }
  w.close('bench');
}

/** Child process body: replays FILE at full speed and prints one JSON line. */
async function replayChild(file: string): Promise<void> {
  const cpuImport = process.cpuUsage();
  const { openBoard } = await import('../session.ts');
  await import('../transport/replay.ts'); // what openBoard loads for a replay
  const { createBlockScorer } = await import('../scoring/block.ts');
  const imported = process.cpuUsage(cpuImport);
  const main0 = mainThreadCpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const s = await openBoard({ kind: 'replay', file, speed: Infinity });
  const scorer = createBlockScorer({ foot: 'right' });
  let n = 0;
  let withCop = 0;
  s.blocks$.subscribe((b) => {
    n += b.count;
    const x = b.copX;
    for (let k = 0; k < b.count; k++) if (x[k] === x[k]) withCop++;
    scorer.push(b);
  });
  await s.finished;
  await s.close();
  const sum = scorer.summary();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const main1 = mainThreadCpuMs();
  const run: ReplayRun = {
    samples: n,
    withCop,
    inZonePct: sum.inZonePct,
    swaySamples: sum.sway?.n ?? 0,
    seconds,
    cpuSeconds,
    importCpuMs: (imported.user + imported.system) / 1000,
    mainThreadCpuMs: main0 === null || main1 === null ? null : main1 - main0,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

/** One fresh child replaying `file`. */
export function replayOnce(file: string): ReplayRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--replay-child', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`replay child failed: ${r.stderr.split('\n')[0]}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as ReplayRun;
  if (res.samples !== HOUR_SAMPLES) throw new Error(`replay gave ${res.samples} samples, expected ${HOUR_SAMPLES}`);
  return res;
}

interface LatencyOptions {
  /** > 0: ask the board for that many samples per frame (SET_FRAME_SAMPLES); default: its own. */
  samplesPerFrame?: number;
  /** MTU the central asks for (default 247: the board's 53). */
  mtu?: number;
  /** Connection interval the central imposes, ms (default: it grants the firmware's request). */
  intervalMs?: number;
}

/** Latency over 30 virtual s at the board's settings, or as `o` changes them. */
export async function latency(log: (l: string) => void, o: LatencyOptions = {}): Promise<{ p50: number; p99: number; lastP99: number; n: number; receivedPct: number }> {
  const { createBoard, constantLoads } = await import('../../firmware/emulator/index.ts');
  const { openBoard } = await import('../session.ts');
  const { simBoardStorage } = await import('../transport/sim.ts');
  const board = createBoard({ clock: 'virtual', loads: constantLoads([180, 170, 160, 190]), seed: 7, storage: simBoardStorage() });
  const STEP_S = 0.00025;
  let running = true;
  // At most 4 times real time: the host's command timeouts run on its own clock, and a board far
  // ahead of it turns one lost answer's 2 s timeout into a minute of lost frames (interval30 read
  // 8 % received in some full runs once the emulator got faster). Latency itself is virtual time.
  const r0 = performance.now();
  const v0 = board.now();
  void (async () => {
    while (running) {
      if (board.now() - v0 < (4 * (performance.now() - r0)) / 1000) board.advance(STEP_S);
      await new Promise((r) => setImmediate(r));
    }
  })();
  // Imported before the board opens: an await between openBoard and the subscription below lets the
  // running board's first KEY pass unseen (the anchor then caught a later KEY: negative latencies).
  const { createStreamDecoder } = await import('../../protocol/index.ts');
  const session = await openBoard({ kind: 'sim' }, { sim: { board, ...(o.mtu ? { mtu: o.mtu } : {}), ...(o.intervalMs ? { intervalMs: o.intervalMs } : {}) } });
  // Device time of the first KEY (ms, from its bytes) anchors the host's relative sample times (s.t
  // counts from the session's first KEY): subscribed before anything else waits, so it is that KEY.
  // The protocol's decoder reads the time of a KEY (1.1) or KEY2 (1.2, ms mod 2^16: exact here, the
  // board's clock stays under 65 s in a run).
  const keys = createStreamDecoder();
  let firstKeyMs: number | null = null;
  session.transport.messages$.subscribe((m) => {
    if (firstKeyMs !== null || m.channel !== 'data') return;
    const b = keys.push(m.bytes);
    if (b !== null && b.key && b.deviceTimeMs !== null) firstKeyMs = b.deviceTimeMs;
  });
  if (o.samplesPerFrame !== undefined) await session.commands!.setFrameSamples(o.samplesPerFrame);
  const lat: number[] = [];
  /** Latency of the last sample of each frame (samples of one frame share its receive time). */
  const lastInFrame = new Map<number, number>();
  const warmupS = 3;
  const spanS = 30;
  /** Lowest and highest sample index received in the window: the board took every index in between. */
  let firstIndex = Infinity;
  let lastIndex = -Infinity;
  session.samples$.subscribe((s) => {
    if (firstKeyMs === null || s.t < warmupS || s.t >= warmupS + spanS) return;
    firstIndex = Math.min(firstIndex, s.index);
    lastIndex = Math.max(lastIndex, s.index);
    const l = board.deviceTime() * 1000 - (firstKeyMs + s.t * 1000);
    lat.push(l);
    lastInFrame.set(s.hostTimeMs, l);
  });
  const end = board.now() + warmupS + spanS + 1;
  while (board.now() < end) await new Promise((r) => setTimeout(r, 20));
  await session.close();
  running = false;
  lat.sort((a, b) => a - b);
  const last = [...lastInFrame.values()].sort((a, b) => a - b);
  const q = (v: number[], p: number): number => v[Math.min(v.length - 1, Math.floor(p * v.length))]!;
  const receivedPct = (100 * lat.length) / (lastIndex - firstIndex + 1);
  const what = [o.samplesPerFrame ? `${o.samplesPerFrame} samples per frame` : '', o.mtu ? `MTU ${o.mtu}` : '', o.intervalMs ? `interval ${o.intervalMs} ms` : ''].filter((x) => x).join(', ');
  log(`${what ? `${what}: ` : ''}latency over ${lat.length} samples (${spanS} virtual s, ${receivedPct.toFixed(1)} % of those taken): min ${lat[0]?.toFixed(1)} ms, p50 ${q(lat, 0.5).toFixed(1)}, p99 ${q(lat, 0.99).toFixed(1)}, max ${lat[lat.length - 1]?.toFixed(1)} ms; ${last.length} frames (${(lat.length / last.length).toFixed(2)} samples per frame), last sample of a frame: p50 ${q(last, 0.5).toFixed(1)}, p99 ${q(last, 0.99).toFixed(1)} ms`);
  return { p50: q(lat, 0.5), p99: q(lat, 0.99), lastP99: q(last, 0.99), n: lat.length, receivedPct };
}

export const bench: BenchModule = {
  name: 'host',
  async run(log) {
    const figures: Figures = {};
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-bench-host-'));
    try {
      const file = path.join(dir, 'hour.tripod');
      const tg = performance.now();
      await writeHourRecording(file);
      log(`wrote a 1-hour recording: ${(fs.statSync(file).size / 1e6).toFixed(2)} MB in ${((performance.now() - tg) / 1000).toFixed(1)} s`);
      const runs: ReplayRun[] = [];
      for (let i = 0; i < REPLAY_RUNS; i++) {
        const res = replayOnce(file);
        runs.push(res);
        log(
          `replay ${i + 1}: ${res.samples} samples (${res.withCop} with a CoP; ${res.swaySamples} scored, ${res.inZonePct.toFixed(1)} % in zone) ` +
            `in ${(res.seconds * 1000).toFixed(0)} ms, ${(res.cpuSeconds * 1000).toFixed(0)} ms CPU${res.mainThreadCpuMs === null ? '' : ` (main thread ${res.mainThreadCpuMs} ms, V8's compiler and GC threads the rest)`}; ` +
            `imports before: ${res.importCpuMs.toFixed(0)} ms CPU; load average ${os.loadavg()[0]!.toFixed(1)}`,
        );
      }
      const med = (v: (r: ReplayRun) => number): number => runs.map(v).sort((a, b) => a - b)[runs.length >> 1]!;
      figures['host.replay_samples_per_s'] = Math.round(HOUR_SAMPLES / med((r) => r.seconds));
      figures['host.replay_cpu_samples_per_s'] = Math.round(HOUR_SAMPLES / med((r) => r.cpuSeconds));
      figures['host.replay_import_ms'] = Math.round(med((r) => r.importCpuMs));
      figures['host.replay_peak_rss_mb'] = Math.round(med((r) => r.maxRssKb) / 102.4) / 10;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const r1 = (v: number): number => Math.round(v * 10) / 10;
    const l = await latency(log);
    figures['host.latency_ms_p50'] = r1(l.p50);
    figures['host.latency_ms_p99'] = r1(l.p99);
    figures['host.latency_ms_p99_last_in_frame'] = r1(l.lastP99);
    const l23 = await latency(log, { mtu: 23 });
    figures['host.latency_ms_p50.mtu23'] = r1(l23.p50);
    figures['host.latency_ms_p99.mtu23'] = r1(l23.p99);
    const l4 = await latency(log, { samplesPerFrame: 4 });
    figures['host.latency_ms_p50.spf4'] = r1(l4.p50);
    figures['host.latency_ms_p99.spf4'] = r1(l4.p99);
    const l30 = await latency(log, { intervalMs: 30 });
    figures['host.received_pct.interval30'] = r1(l30.receivedPct);
    return figures;
  },
};

if (process.argv[1] === SELF && process.argv[2] === '--replay-child') {
  await replayChild(process.argv[3]!);
}
