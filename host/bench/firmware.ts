/**
 * Firmware figures from the board emulator running the built firmware (firmware/dist/tripod.js,
 * built fresh from firmware/src): a BLE central (MTU 23) streams 60 virtual seconds at 80 Hz.
 * - firmware.emulator_virtual_s_per_wall_s: virtual seconds the emulator runs per wall second.
 * - firmware.api_calls_per_sample: Espruino API calls per sample set while streaming (read, poll,
 *   time stamp, notify; the emulator counts every call into Espruino).
 * - firmware.callbacks_per_sample: idle-loop callbacks (timers, events) per sample set.
 * - firmware.cpu_ms_per_sample: modelled device CPU time per sample set, ms (emulator cost model:
 *   shared/docs/espruino.md cost table, 12 us per 1,000 instructions, "jit" at half cost).
 * - firmware.loop_iterations_per_sample: JS loop iterations per sample set (read loop, cell check,
 *   protocol encoder...), counted by the emulator.
 * - firmware.cpu_ms_per_sample_with_loops: the same CPU time when every loop iteration is also
 *   charged the table's "empty loop iteration" (7k instructions; the pessimistic model).
 *   Neither sees JavaScript statements between API calls (the encoder above all), hence:
 * - firmware.encode_estimate_ms_per_sample.{mtu23,mtu53}: the protocol encoder's device cost per
 *   sample on the realistic signal (host/bench/protocol.ts token proxy), priced with the cost table
 *   as firmware/README.md explains: 0.9k instructions per executed token (half inside "jit"
 *   functions), 11k per JS function call, 22k per frame for its Uint8Array and copy, 12 us per 1k.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../firmware/build.ts';
import { createBoard, functionLoads, type CostModel, type EmulatedBoard } from '../../firmware/emulator/index.ts';
import { CMD_START_STREAM, UUID_CONTROL, UUID_DATA, UUID_RESPONSE, encodeCommand } from '../../protocol/index.ts';
import type { BenchModule, Figures } from './main.ts';
import { defaultSamplesPerFrame, deviceCostPerSample, realisticCounts, type DeviceCost } from './protocol.ts';

/** x86 instructions per executed source token (shared/docs/espruino.md: 0.8-1k; SPEC.md 9.2). */
export const INSTRUCTIONS_PER_TOKEN = 900;
/** Instructions per JS function call (assumed equal to one native call statement, 10-12k in the table). */
export const INSTRUCTIONS_PER_CALL = 11_000;
/** Instructions per frame for `new Uint8Array` (11k) plus `subarray` and `set` inside a "jit" function (2 x 5.5k). */
export const INSTRUCTIONS_PER_FRAME_NATIVES = 22_000;
/** nRF52 microseconds per 1,000 instructions (middle of the table's 8-16 us). */
export const US_PER_KILO_INSTRUCTION = 12;

/** Device estimate of the encoder per sample, ms, from its measured token, call and frame counts. */
export function encoderEstimateMs(c: DeviceCost): number {
  const instructions =
    (c.tokens - c.jitTokens) * INSTRUCTIONS_PER_TOKEN +
    (c.jitTokens * INSTRUCTIONS_PER_TOKEN) / 2 +
    c.calls * INSTRUCTIONS_PER_CALL +
    c.frames * INSTRUCTIONS_PER_FRAME_NATIVES;
  return (instructions / 1000) * US_PER_KILO_INSTRUCTION / 1000;
}

const STREAM_S = 60;

interface Run {
  sets: number;
  frames: number;
  wallS: number;
  before: ReturnType<EmulatedBoard['stats']>;
  after: ReturnType<EmulatedBoard['stats']>;
}

/** Streams STREAM_S virtual seconds over BLE (MTU 23) and returns the stats around that window. */
function streamRun(source: string, costs?: Partial<CostModel>): Run {
  const board = createBoard({
    clock: 'virtual',
    seed: 5,
    source,
    ...(costs ? { costs } : {}),
    loads: functionLoads((t) => [250 + 50 * Math.sin(t), 200, 180 + 30 * Math.sin(3 * t), 220]),
  });
  board.advance(1);
  const link = board.ble.connect({ mtu: 23 });
  link.subscribe(UUID_DATA);
  link.subscribe(UUID_RESPONSE);
  let frames = 0;
  link.onNotify((c) => {
    if (c === UUID_DATA) frames++;
  });
  board.advance(0.2);
  link.write(UUID_CONTROL, encodeCommand({ reqId: 1, code: CMD_START_STREAM }));
  board.advance(1);
  const before = board.stats();
  const frames0 = frames;
  const wall0 = performance.now();
  board.advance(STREAM_S);
  const wallS = (performance.now() - wall0) / 1000;
  const after = board.stats();
  board.stop();
  return { sets: after.hx711[0]!.readsCompleted - before.hx711[0]!.readsCompleted, frames: frames - frames0, wallS, before, after };
}

export const bench: BenchModule = {
  name: 'firmware',
  async run(log): Promise<Figures> {
    const dir = mkdtempSync(join(tmpdir(), 'tripod-bench-fw-'));
    let source: string;
    try {
      buildFirmware(undefined, join(dir, 'tripod.js'));
      source = readFileSync(join(dir, 'tripod.js'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const r = streamRun(source);
    const p = streamRun(source, { loopIterationInstructions: 7000 });
    const per = (x: number, run: Run): number => x / run.sets;
    const figures: Figures = {
      'firmware.emulator_virtual_s_per_wall_s': Math.round((STREAM_S / r.wallS) * 10) / 10,
      'firmware.api_calls_per_sample': Math.round(per(r.after.totalApiCalls - r.before.totalApiCalls, r) * 100) / 100,
      'firmware.callbacks_per_sample': Math.round(per(r.after.callbacks - r.before.callbacks, r) * 100) / 100,
      'firmware.loop_iterations_per_sample': Math.round(per(r.after.loopIterations - r.before.loopIterations, r) * 10) / 10,
      'firmware.cpu_ms_per_sample': Math.round(per(r.after.cpuSeconds - r.before.cpuSeconds, r) * 1e5) / 100,
      'firmware.cpu_ms_per_sample_with_loops': Math.round(per(p.after.cpuSeconds - p.before.cpuSeconds, p) * 1e5) / 100,
    };
    const { counts } = realisticCounts(8000, 80, 5);
    for (const [label, payload] of [['mtu23', 20], ['mtu53', 50]] as const) {
      const c = deviceCostPerSample(counts, payload, defaultSamplesPerFrame(payload));
      figures[`firmware.encode_estimate_ms_per_sample.${label}`] = Math.round(encoderEstimateMs(c) * 100) / 100;
    }
    const calls: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.after.apiCalls)) {
      const d = v - (r.before.apiCalls[k] ?? 0);
      if (d > 0) calls[k] = Math.round(per(d, r) * 100) / 100;
    }
    log(`${r.sets} sample sets and ${r.frames} frames in ${STREAM_S} virtual s (${r.wallS.toFixed(2)} s wall); calls per set: ${JSON.stringify(calls)}`);
    return figures;
  },
};
