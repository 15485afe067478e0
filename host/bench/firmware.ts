/**
 * Firmware figures from the board emulator running the built firmware (firmware/dist/tripod.js,
 * built fresh from firmware/src): a BLE central (MTU 23) streams 60 virtual seconds at 80 Hz.
 * - firmware.emulator_virtual_s_per_wall_s: virtual seconds the emulator runs per wall second.
 * - firmware.api_calls_per_sample: Espruino API calls per sample set while streaming (read, poll,
 *   time stamp, notify; the emulator counts every call into Espruino).
 * - firmware.callbacks_per_sample: idle-loop callbacks (timers, events) per sample set.
 * - firmware.cpu_ms_per_sample: modelled device CPU time per sample set, ms (emulator cost model:
 *   firmware/ESPRUINO.md cost table, 12 us per 1,000 instructions, "jit" at half cost).
 * - firmware.loop_iterations_per_sample: JS loop iterations per sample set (read loop, cell check,
 *   protocol encoder...), counted by the emulator.
 * - firmware.cpu_ms_per_sample_with_loops: the same CPU time when every loop iteration is also
 *   charged the table's "empty loop iteration" (7k instructions; the pessimistic model).
 *   Neither sees JavaScript statements between API calls (the encoder above all), hence:
 * - firmware.encode_estimate_ms_per_sample.{mtu23,mtu53}: the protocol encoder's device cost per
 *   sample on the realistic signal (firmware/emulator/token-cost.ts token proxy), priced with the cost table
 *   as firmware/README.md explains: 0.9k instructions per executed token (half inside "jit"
 *   functions), 11k per JS function call, 22k per frame for its Uint8Array and copy, 12 us per 1k.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as AcornNs from 'acorn';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../firmware/build.ts';
import { createBoard, functionLoads, type CostModel, type EmulatedBoard } from '../../firmware/emulator/index.ts';
import { CMD_START_STREAM, UUID_CONTROL, UUID_DATA, UUID_RESPONSE, encodeCommand } from '../../protocol/index.ts';
import type { BenchModule, Figures } from './types.ts';
import { createTokenCounter } from '../../firmware/emulator/es5-tokens.ts';
import { deviceCostPerSample, type DeviceCost } from '../../firmware/emulator/token-cost.ts';
import { defaultSamplesPerFrame } from '../sim/frames.ts';
import { realisticCounts } from '../sim/raw-counts.ts';

/** x86 instructions per executed source token (firmware/ESPRUINO.md: 0.8-1k; protocol/SPEC.md 9.2). */
export const INSTRUCTIONS_PER_TOKEN = 900;
/** Instructions per JS function call (assumed equal to one native call statement, 10-12k in the table). */
export const INSTRUCTIONS_PER_CALL = 11_000;
/** Instructions per frame for `new Uint8Array` (11k) plus `subarray` and `set` inside a "jit" function (2 x 5.5k). */
export const INSTRUCTIONS_PER_FRAME_NATIVES = 22_000;
/** nRF52 microseconds per 1,000 instructions (middle of the table's 8-16 us). */
export const US_PER_KILO_INSTRUCTION = 12;
/**
 * Native code is priced by its own cycles (the emulator's Cortex-M0 counts at 64 MHz; a Cortex-M4
 * runs the same ARMv6-M code in as many or fewer), converted to the table's unit: 1,000
 * instructions = 12 us = 768 cycles.
 */
export const INSTRUCTIONS_PER_CYCLE = 1000 / (US_PER_KILO_INSTRUCTION * 64);

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
    for (const mtu of [23, 53]) {
      const e = stepEstimate(source, mtu, 20);
      for (const k of ['read', 'ring', 'encode', 'notify', 'other', 'total'] as const) figures[`firmware.device_estimate_ms_per_sample.mtu${mtu}.${k}`] = e[k];
      figures[`firmware.native_encode_cycles_per_sample.mtu${mtu}`] = e.encodeCycles;
      // The same stream in 1.1 frames (what a host that does not ask for 1.2 gets).
      const e1 = stepEstimate(source, mtu, 20, true, 1);
      figures[`firmware.native_encode_cycles_per_sample.format1.mtu${mtu}`] = e1.encodeCycles;
      log(`MTU ${mtu}, 1.1 frames: estimate ${JSON.stringify(e1)} ms`);
      log(`MTU ${mtu}: per sample set ${e.tokens} executed tokens and ${e.calls} JS calls in the firmware's functions; estimate ${JSON.stringify(e)} ms`);
      const j = stepEstimate(source, mtu, 20, false);
      figures[`firmware.device_estimate_ms_per_sample.js_only.mtu${mtu}.total`] = j.total;
      log(`MTU ${mtu}, "jit" JS only (settings native: false): estimate ${JSON.stringify(j)} ms`);
    }
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

/* ---------------------------------------------------------------------------------------------
 * Executed-token profile of the whole firmware: the same proxy as the encoder's (SPEC.md 9.2,
 * firmware/emulator/token-cost.ts), applied to the built firmware/dist/tripod.js running in the emulator.
 * A counter before every statement adds the tokens that statement executes (loop tests once per
 * iteration) to its function's bucket; every function body counts its calls. Function names: the
 * declaration, or the object-literal key of a method ("push" of the ring and of the encoder's
 * returned object share a bucket only if both names match; the encoder's inner functions are
 * declarations). "jit" functions (directive first, kept first) are flagged so that their tokens and
 * calls can be priced at half.
 */
interface FnProfile {
  tokens: number;
  calls: number;
  jit: boolean;
}

/** Returns the firmware source with `__c(tokens, fn)` before every statement and `__f(fn)` at each function entry. */
export function instrumentFirmware(js: string): { source: string; jit: Set<string> } {
  const load = createRequire(import.meta.url);
  const acorn = load('acorn') as typeof AcornNs;
  const { countIn, ownTokens, nestedOf, isStatement } = createTokenCounter(acorn, js);
  const ast = acorn.parse(js, { ecmaVersion: 5, sourceType: 'script' }) as any;
  const inserts: Array<{ at: number; text: string }> = [];
  const jit = new Set<string>();
  let fname = 'top';
  const fnBody = (name: string, body: any): void => {
    const saved = fname;
    fname = name;
    const first = body.body[0];
    const isJit = first?.directive === 'jit';
    if (isJit) jit.add(name);
    inserts.push({ at: isJit ? first.end : body.start + 1, text: `__f('${name}');` });
    for (const s of body.body) {
      if (s === first && first.directive) continue;
      stmt(s, true);
    }
    fname = saved;
  };
  const exprFunctions = (n: any): void => {
    const visit = (x: any, key: string | null): void => {
      if (!x || typeof x !== 'object') return;
      if (Array.isArray(x)) {
        for (const y of x) visit(y, key);
        return;
      }
      if (typeof x.type !== 'string') return;
      if (x.type === 'FunctionExpression') {
        const own = x.id?.name ?? key ?? 'anonymous';
        fnBody(fname === 'top' ? own : fname + '/' + own, x.body);
        return;
      }
      if (x !== n && isStatement(x)) return;
      if (x.type === 'Property') {
        visit(x.value, x.key.name ?? String(x.key.value));
        return;
      }
      for (const k of Object.keys(x)) if (k !== 'type' && k !== 'start' && k !== 'end') visit(x[k], key);
    };
    visit(n, null);
  };
  const wrap = (body: any, perIteration: number): void => {
    if (body.type === 'BlockStatement') {
      if (perIteration > 0) inserts.push({ at: body.start + 1, text: `__c(${perIteration},'${fname}');` });
      for (const s of body.body) stmt(s, true);
    } else {
      inserts.push({ at: body.start, text: `{__c(${perIteration + ownTokens(body)},'${fname}');` });
      inserts.push({ at: body.end, text: '}' });
      stmt(body, false);
    }
  };
  const stmt = (n: any, counted: boolean): void => {
    if (n.type === 'FunctionDeclaration') {
      fnBody(fname === 'top' ? n.id.name : fname + '/' + n.id.name, n.body);
      return;
    }
    if (n.type === 'BlockStatement') {
      for (const s of n.body) stmt(s, true);
      return;
    }
    if (counted) inserts.push({ at: n.start, text: `__c(${ownTokens(n)},'${fname}');` });
    exprFunctions(n);
    if (n.type === 'IfStatement') {
      wrap(n.consequent, 0);
      if (n.alternate) wrap(n.alternate, 0);
    } else if (n.type === 'ForStatement') {
      wrap(n.body, (n.test ? countIn(n.test.start, n.test.end) + 1 : 0) + (n.update ? countIn(n.update.start, n.update.end) : 0));
    } else if (n.type === 'WhileStatement') {
      wrap(n.body, countIn(n.test.start, n.test.end) + 2);
    }
  };
  for (const s of ast.body) stmt(s, false);
  inserts.sort((a, b) => b.at - a.at || (a.text === '}' ? -1 : 1));
  let out = js;
  for (const ins of inserts) out = out.slice(0, ins.at) + ins.text + out.slice(ins.at);
  const prelude = 'var __P = {};\nfunction __c(n, f) { var p = __P[f]; if (!p) { p = __P[f] = { tokens: 0, calls: 0 }; } p.tokens += n; }\nfunction __f(f) { var p = __P[f]; if (!p) { p = __P[f] = { tokens: 0, calls: 0 }; } p.calls++; }\n';
  return { source: prelude + out, jit };
}

/** Steps of the per-sample path, by function (instrumentFirmware names). */
const STEP_OF: Array<[RegExp, 'read' | 'ring' | 'encode' | 'notify']> = [
  [/^createNativeStreamer\//, 'encode'],
  [/^createSampler\/(size|lost|drainTo|ackLost)$/, 'ring'],
  [/^(hxReadChips|hxRead|createSampler\/.*|startTripod\/onSample|createStreamer\/active|createSampleRing\/push)$/, 'read'],
  [/^(createStreamer\/(pull|fill|nextFrame)|startTripod\/nextFrame|createSampleRing\/(size|lost|drainTo|ackLost)|createFrameEncoder\/poll)$/, 'ring'],
  [/^createFrameEncoder\//, 'encode'],
  [/^setupBle\/send$/, 'notify'],
];

export interface StepEstimate {
  /** ms per sample set, by step, and the total over every function (other: everything else). */
  read: number;
  ring: number;
  encode: number;
  notify: number;
  other: number;
  total: number;
  /** Executed tokens and JS calls per sample set (all functions). */
  tokens: number;
  calls: number;
  /** Cycles of the native encoder (NAT_FRAME, NAT_FLUSH, NAT_SKIP) per sample set; 0 on the JS encoder. */
  encodeCycles: number;
}

/**
 * Streams `seconds` at 80 Hz over BLE at `mtu` with the instrumented firmware and prices every step
 * per sample set as firmware/README.md "Cost" does: executed tokens x 0.9k instructions (half in
 * "jit" functions), JS function calls x 11k, native API calls x 11k (half when made from a "jit"
 * function: SPI.send, digitalPulse, digitalRead, setTimeout and one getTime per set come from the
 * sampler's "jit" functions), idle-loop callbacks x 11k, 22k per frame for the encoder's
 * Uint8Array and copy; 12 us per 1k instructions.
 */
export function stepEstimate(firmware: string, mtu: number, seconds: number, native = true, frameFormat: 1 | 2 = 2): StepEstimate {
  const { source, jit } = instrumentFirmware(firmware);
  const board = createBoard({
    clock: 'virtual',
    seed: 5,
    source,
    storage: native ? {} : { 'tripod.json': JSON.stringify({ v: 1, name: '', rateHz: 80, samplesPerFrame: 0, keyInterval: 0, idleS: 60, serial: true, pins: null, native: false }) },
    loads: functionLoads((t) => [250 + 50 * Math.sin(t), 200, 180 + 30 * Math.sin(3 * t), 220]),
  });
  board.advance(1);
  const link = board.ble.connect({ mtu });
  link.subscribe(UUID_DATA);
  link.subscribe(UUID_RESPONSE);
  board.advance(0.2);
  // The host's START_STREAM (host/transport/commands.ts asks for KEY2/DELTA2; the JS encoder answers 1.1).
  link.write(UUID_CONTROL, encodeCommand({ reqId: 1, code: CMD_START_STREAM, frameFormat }));
  board.advance(1);
  type Prof = Record<string, { tokens: number; calls: number }>;
  const p0 = JSON.parse(board.evaluate('JSON.stringify(__P)') as string) as Prof;
  const s0 = board.stats();
  board.advance(seconds);
  const p1 = JSON.parse(board.evaluate('JSON.stringify(__P)') as string) as Prof;
  const s1 = board.stats();
  board.stop();
  const sets = s1.hx711[0]!.readsCompleted - s0.hx711[0]!.readsCompleted;
  const ins = { read: 0, ring: 0, encode: 0, notify: 0, other: 0 };
  let tokens = 0;
  let calls = 0;
  for (const name of Object.keys(p1)) {
    const t = p1[name]!.tokens - (p0[name]?.tokens ?? 0);
    const c = p1[name]!.calls - (p0[name]?.calls ?? 0);
    tokens += t;
    calls += c;
    const step = STEP_OF.find(([re]) => re.test(name))?.[1] ?? 'other';
    ins[step] += t * (jit.has(name) ? INSTRUCTIONS_PER_TOKEN / 2 : INSTRUCTIONS_PER_TOKEN) + c * INSTRUCTIONS_PER_CALL;
    if (name === 'createFrameEncoder/buildFrame') ins.encode += c * INSTRUCTIONS_PER_FRAME_NATIVES;
  }
  const api = (k: string): number => (s1.apiCalls[k] ?? 0) - (s0.apiCalls[k] ?? 0);
  const polls = api('setTimeout');
  const op = (k: number): { calls: number; cycles: number } => {
    const a = s1.nativeByFirstArg[String(k)] ?? { calls: 0, cycles: 0 };
    const b = s0.nativeByFirstArg[String(k)] ?? { calls: 0, cycles: 0 };
    return { calls: a.calls - b.calls, cycles: a.cycles - b.cycles };
  };
  // NAT_TICK (5) reads the chips; NAT_FRAME/FLUSH/SKIP (2-4) are the encoder.
  const nRead = op(5);
  const nEnc = [op(2), op(3), op(4)].reduce((x, y) => ({ calls: x.calls + y.calls, cycles: x.cycles + y.cycles }));
  // The native read takes the time (getTime) at every poll, the "jit" read once per set.
  const readTimes = nRead.calls > 0 ? nRead.calls : sets;
  ins.read += (api('SPI.send') + api('digitalPulse') + api('digitalRead') + polls + readTimes + nRead.calls) * (INSTRUCTIONS_PER_CALL / 2) + polls * INSTRUCTIONS_PER_CALL + nRead.cycles * INSTRUCTIONS_PER_CYCLE;
  ins.encode += nEnc.calls * INSTRUCTIONS_PER_CALL + nEnc.cycles * INSTRUCTIONS_PER_CYCLE;
  const sends = (p1['setupBle/send']?.calls ?? 0) - (p0['setupBle/send']?.calls ?? 0);
  ins.notify += (api('getTime') - readTimes + api('NRF.updateServices')) * INSTRUCTIONS_PER_CALL + sends * INSTRUCTIONS_PER_CALL;
  const ms = (x: number): number => Math.round(((x / sets / 1000) * US_PER_KILO_INSTRUCTION) / 10) / 100;
  const total = ins.read + ins.ring + ins.encode + ins.notify + ins.other;
  return { read: ms(ins.read), ring: ms(ins.ring), encode: ms(ins.encode), notify: ms(ins.notify), other: ms(ins.other), total: ms(total), tokens: Math.round(tokens / sets), calls: Math.round((calls / sets) * 100) / 100, encodeCycles: Math.round(nEnc.cycles / sets) };
}
