/**
 * Protocol bench: wire bytes per 4-cell sample (all headers included) for a realistic single-leg
 * signal at MTU 23 and 53 and for worst-case full-scale noise at MTU 23, plus encoder and decoder
 * throughput in Node. Figures: protocol.bytes_per_sample.{mtu23,mtu53,worst_mtu23},
 * protocol.encode_samples_per_s, protocol.decode_samples_per_s.
 */
import { createTokenCounter } from './es5-tokens.ts';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type * as AcornNs from 'acorn';
import type TsNs from 'typescript';
import * as constants from '../../protocol/constants.ts';
import {
  COUNT_MAX,
  COUNT_MIN,
  KEY_INTERVAL_DEFAULT,
  createFrameEncoder,
  createFrameEncoder2,
  createStreamDecoder,
} from '../../protocol/index.ts';
import type { BenchModule, Figures } from './main.ts';

/** Deterministic PRNG (mulberry32): same seed, same signal on every machine. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

/** What the realistic generator produced, for the record next to the figures. */
export interface SignalSummary {
  meanCopSpeedMmS: number;
  forceRmsPercent: number;
}

/**
 * Realistic raw counts of a ~700 N person standing on one leg: CoP sway (slow drift 0.1-1 Hz plus
 * 3-5 Hz corrections, mean CoP speed scaled to 30 mm/s), total force fluctuating ~2 % of body
 * weight (half of it at 3-5 Hz), cells at (+-180, +-180) mm sharing the load bilinearly,
 * 4375 counts/N with a +-3 % gain spread, per-cell offsets 1e4..1e5 counts, HX711 noise 64 counts RMS.
 * Returns counts sample-major (4 per sample), int24-clamped.
 */
export function realisticCounts(samples: number, rateHz: number, seed: number): { counts: Int32Array; summary: SignalSummary } {
  const rnd = seededRandom(seed);
  const dt = 1 / rateHz;
  type Tone = { f: number; a: number; ph: number };
  const tones = (n: number, f0: number, f1: number, rms: number): Tone[] => {
    const list: Tone[] = [];
    for (let i = 0; i < n; i++) list.push({ f: f0 + (f1 - f0) * rnd(), a: 1, ph: 2 * Math.PI * rnd() });
    const scale = rms / Math.sqrt(n / 2); // each unit tone has RMS 1/sqrt(2)
    for (const t of list) t.a = scale;
    return list;
  };
  const evalTones = (ts: Tone[], t: number): number => {
    let v = 0;
    for (const x of ts) v += x.a * Math.sin(2 * Math.PI * x.f * t + x.ph);
    return v;
  };
  // Sway: 6 mm RMS slow drift + 1.2 mm RMS 3-5 Hz corrections per axis (scaled below to 30 mm/s).
  const xs = [...tones(8, 0.1, 1, 6), ...tones(8, 3, 5, 1.2)];
  const ys = [...tones(8, 0.1, 1, 8), ...tones(8, 3, 5, 1.2)];
  const fSlow = tones(6, 0.3, 2, 0.014);
  const fFast = tones(6, 3, 5, 0.014);
  const bodyN = 700;
  const countsPerN = 4375;
  const gains = [0, 1, 2, 3].map(() => countsPerN * (1 + 0.06 * (rnd() - 0.5)));
  const offsets = [0, 1, 2, 3].map(() => Math.round(1e4 + 9e4 * rnd()) * (rnd() < 0.5 ? -1 : 1));
  const cells = [
    [180, 180],
    [-180, 180],
    [-180, -180],
    [180, -180],
  ] as const;
  // Scale the sway so the mean CoP speed is 30 mm/s.
  let path = 0;
  let px = evalTones(xs, 0);
  let py = evalTones(ys, 0);
  for (let i = 1; i < samples; i++) {
    const t = i * dt;
    const x = evalTones(xs, t);
    const y = evalTones(ys, t);
    path += Math.hypot(x - px, y - py);
    px = x;
    py = y;
  }
  const k = samples > 1 ? 30 / (path / ((samples - 1) * dt)) : 1;
  const counts = new Int32Array(samples * 4);
  let f2 = 0;
  for (let i = 0; i < samples; i++) {
    const t = i * dt;
    const x = k * evalTones(xs, t);
    const y = k * evalTones(ys, t);
    const rel = evalTones(fSlow, t) + evalTones(fFast, t);
    f2 += rel * rel;
    const total = bodyN * (1 + rel);
    for (let c = 0; c < 4; c++) {
      const [cx, cy] = cells[c] as readonly [number, number];
      const share = ((180 + Math.sign(cx) * x) / 360) * ((180 + Math.sign(cy) * y) / 360);
      const v = Math.round((offsets[c] as number) + total * share * (gains[c] as number) + 64 * gaussian(rnd));
      counts[i * 4 + c] = Math.min(COUNT_MAX, Math.max(COUNT_MIN, v));
    }
  }
  return { counts, summary: { meanCopSpeedMmS: 30, forceRmsPercent: 100 * Math.sqrt(f2 / samples) } };
}

/** Full-scale uniform noise: every count independent over the whole int24 range. */
export function noiseCounts(samples: number, seed: number): Int32Array {
  const rnd = seededRandom(seed);
  const out = new Int32Array(samples * 4);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rnd() * 0x1000000) + COUNT_MIN;
  return out;
}

/** Encodes `counts` (sample-major) and returns every frame; format 2 = the 1.2 frames (secondOrder unused). */
export function encodeAll(counts: Int32Array, payloadBytes: number, samplesPerFrame: number, secondOrder = true, format = 1): Uint8Array[] {
  const enc = format === 2 ? createFrameEncoder2(payloadBytes, samplesPerFrame, KEY_INTERVAL_DEFAULT) : createFrameEncoder(payloadBytes, samplesPerFrame, KEY_INTERVAL_DEFAULT, secondOrder);
  const frames: Uint8Array[] = [];
  const n = counts.length / 4;
  for (let i = 0; i < n; i++) {
    let f = enc.add(counts[4 * i]!, counts[4 * i + 1]!, counts[4 * i + 2]!, counts[4 * i + 3]!, 0, i * 12.5);
    while (f) {
      frames.push(f);
      f = enc.poll();
    }
  }
  let f = enc.flush();
  while (f) {
    frames.push(f);
    f = enc.poll();
  }
  return frames;
}

/** Samples per frame a device uses for a payload size (latency cap: 4 samples, 50 ms at 80 Hz; protocol/SPEC.md 4.5). */
export function defaultSamplesPerFrame(payloadBytes: number): number {
  return Math.max(1, Math.min(4, Math.floor(((payloadBytes - 3) * 8) / 44)));
}

export function bytesPerSample(frames: Uint8Array[], samples: number): number {
  let total = 0;
  for (const f of frames) total += f.length;
  return total / samples;
}

function round(v: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(v * m) / m;
}

/* ---------------------------------------------------------------------------------------------
 * A device-cost proxy for Espruino-bound code: compiles a protocol file to ES5 (as the firmware build
 * does), inserts a counter before every statement that adds the number of source tokens that
 * statement executes (loop tests and updates once per iteration), and runs it in a vm. Espruino
 * interprets by re-lexing the source, so executed tokens track its cost; shared/docs/espruino.md's
 * table calibrates about 0.8-1k x86 instructions per token (24k for four `a[i] = v;` Int32Array
 * stores, 79k for twelve shifted Uint8Array stores) and 8-16 us per 1k instructions on the nRF52.
 * It undercounts: skipped branches are lexed too on the device, and native calls cost more than
 * their tokens. An estimate to compare designs and sizes, not a measurement on a board.
*/

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** x86 instructions per executed token, low and high (from the cost table). */
export const INSTRUCTIONS_PER_TOKEN: [number, number] = [800, 1000];
/** Microseconds per 1000 instructions on the nRF52 (64 MHz), low and high. */
export const US_PER_KILO_INSTRUCTION: [number, number] = [8, 16];

interface Insert {
  at: number;
  text: string;
}

/** Returns ES5 source of `file` (under protocol/) with a cost counter `__c(n)` before every statement. */
export function instrumentProtocolFile(file: string): string {
  // Loaded on first use so that importing this module (tests use its signal generators) stays light.
  const load = createRequire(import.meta.url);
  const ts = load('typescript') as typeof TsNs;
  const acorn = load('acorn') as typeof AcornNs;
  const src = readFileSync(join(ROOT, 'protocol', file), 'utf8');
  const js = ts.transpileModule(src, {
    compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS, removeComments: true },
  }).outputText;
  const { countIn, ownTokens, nestedOf } = createTokenCounter(acorn, js);
  const ast = acorn.parse(js, { ecmaVersion: 5, sourceType: 'script' }) as any;
  const inserts: Insert[] = [];

  let fname = 'top';
  const walkStatement = (n: any): void => {
    if (!n) return;
    if (n.type === 'FunctionDeclaration') {
      const saved = fname;
      fname = n.id.name;
      inserts.push({ at: n.body.start + 1, text: `__f('${fname}');` });
      walkStatement(n.body);
      fname = saved;
      return;
    }
    if (n.type === 'BlockStatement') {
      for (const s of n.body) {
        if (s.type !== 'FunctionDeclaration') inserts.push({ at: s.start, text: `__c(${ownTokens(s)},'${fname}');` });
        walkStatement(s);
      }
      return;
    }
    // Function expressions inside this statement's own expressions.
    for (const f of nestedOf(n)) if (f.type === 'FunctionExpression') walkStatement(f.body);
    if (n.type === 'IfStatement') {
      wrap(n.consequent);
      if (n.alternate) wrap(n.alternate);
    } else if (n.type === 'ForStatement') {
      const perIter = (n.test ? countIn(n.test.start, n.test.end) + 1 : 0) + (n.update ? countIn(n.update.start, n.update.end) : 0);
      wrap(n.body, perIter);
    } else if (n.type === 'WhileStatement') {
      wrap(n.body, countIn(n.test.start, n.test.end) + 2);
    } else if (n.type === 'LabeledStatement' || n.type === 'TryStatement' || n.type === 'SwitchStatement' || n.type === 'DoWhileStatement' || n.type === 'ForInStatement') {
      throw new Error(`instrument: ${n.type} not supported (and not Espruino-hot-path friendly)`);
    }
  };
  const wrap = (body: any, perIteration = 0): void => {
    if (body.type === 'BlockStatement') {
      if (perIteration > 0) inserts.push({ at: body.start + 1, text: `__c(${perIteration},'${fname}');` });
      walkStatement(body);
    } else {
      inserts.push({ at: body.start, text: `{__c(${perIteration + ownTokens(body)},'${fname}');` });
      inserts.push({ at: body.end, text: '}' });
      walkStatement(body);
    }
  };

  for (const s of ast.body) {
    if (s.type === 'FunctionDeclaration') walkStatement(s);
    else for (const f of nestedOf(s)) if (f.type === 'FunctionExpression') walkStatement(f.body);
  }
  inserts.sort((a, b) => b.at - a.at || (a.text === '}' ? -1 : 1));
  let out = js;
  for (const ins of inserts) out = out.slice(0, ins.at) + ins.text + out.slice(ins.at);
  return out;
}

/**
 * Names of the function declarations in a protocol file whose first statement is "jit" (Espruino
 * compiles them to Thumb code: about half the interpreted cost, shared/docs/espruino.md).
 */
export function jitFunctionNames(file: string): Set<string> {
  const load = createRequire(import.meta.url);
  const ts = load('typescript') as typeof TsNs;
  const acorn = load('acorn') as typeof AcornNs;
  const js = ts.transpileModule(readFileSync(join(ROOT, 'protocol', file), 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS, removeComments: true },
  }).outputText;
  const names = new Set<string>();
  const visit = (x: any): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    if (x.type === 'FunctionDeclaration' && x.body.body[0]?.directive === 'jit') names.add(x.id.name);
    for (const k of Object.keys(x)) if (k !== 'type') visit(x[k]);
  };
  visit(acorn.parse(js, { ecmaVersion: 5, sourceType: 'script' }));
  return names;
}

/** Loads an instrumented protocol file; returns its exports, a token meter and a call counter (function declarations entered). */
export function loadInstrumented(file: string): { exports: any; tokens: () => number; reset: () => void; byFunction: Record<string, number>; calls: Record<string, number> } {
  let count = 0;
  const byFunction: Record<string, number> = {};
  const calls: Record<string, number> = {};
  const module = { exports: {} as any };
  const req = createRequire(import.meta.url);
  const sandbox = {
    module,
    exports: module.exports,
    require: (p: string) => (p === './constants.ts' ? constants : req(p)),
    __c: (n: number, where: string) => {
      count += n;
      byFunction[where] = (byFunction[where] ?? 0) + n;
    },
    __f: (where: string) => {
      calls[where] = (calls[where] ?? 0) + 1;
    },
    Uint8Array,
    Int32Array,
    Uint32Array,
    DataView,
    Math,
    TypeError,
    isFinite,
    JSON,
    String,
  };
  vm.runInNewContext(instrumentProtocolFile(file), sandbox, { filename: `instrumented-${file}` });
  return {
    exports: module.exports,
    tokens: () => count,
    byFunction,
    calls,
    reset: () => {
      count = 0;
      for (const k of Object.keys(byFunction)) delete byFunction[k];
      for (const k of Object.keys(calls)) delete calls[k];
    },
  };
}

/** Executed tokens per sample of the instrumented ES5 encoder on `counts` (sample-major). */
export function deviceTokensPerSample(counts: Int32Array, payloadBytes: number, samplesPerFrame: number): number {
  const m = loadInstrumented('frame-encoder.ts');
  const enc = m.exports.createFrameEncoder(payloadBytes, samplesPerFrame, KEY_INTERVAL_DEFAULT, true);
  const n = counts.length / 4;
  m.reset();
  for (let i = 0; i < n; i++) {
    let f = enc.add(counts[4 * i], counts[4 * i + 1], counts[4 * i + 2], counts[4 * i + 3], 0, i * 12.5);
    while (f) f = enc.poll();
  }
  return m.tokens() / n;
}

/** Per-sample device cost of the encoder, split by execution mode (see deviceCostPerSample). */
export interface DeviceCost {
  /** Executed tokens per sample, all functions. */
  tokens: number;
  /** Of which inside "jit" functions. */
  jitTokens: number;
  /** Plain tokens + jit tokens / 2: the interpreted-equivalent size (the JIT is "about 2x faster"). */
  weightedTokens: number;
  /** Function declarations entered per sample (each a JS call on the device; not in the token count). */
  calls: number;
  /** Frames per sample (each allocates one Uint8Array and copies its bit stream: 3 native calls). */
  frames: number;
}

/** Executed tokens, "jit" share, function calls and frames per sample of the instrumented ES5 encoder. */
export function deviceCostPerSample(counts: Int32Array, payloadBytes: number, samplesPerFrame: number): DeviceCost {
  const m = loadInstrumented('frame-encoder.ts');
  const jit = jitFunctionNames('frame-encoder.ts');
  const enc = m.exports.createFrameEncoder(payloadBytes, samplesPerFrame, KEY_INTERVAL_DEFAULT, true);
  const n = counts.length / 4;
  m.reset();
  let frames = 0;
  for (let i = 0; i < n; i++) {
    let f = enc.add(counts[4 * i], counts[4 * i + 1], counts[4 * i + 2], counts[4 * i + 3], 0, i * 12.5);
    while (f) {
      frames++;
      f = enc.poll();
    }
  }
  let jitTokens = 0;
  for (const [k, v] of Object.entries(m.byFunction)) if (jit.has(k)) jitTokens += v;
  let calls = 0;
  for (const v of Object.values(m.calls)) calls += v;
  const tokens = m.tokens();
  return { tokens: tokens / n, jitTokens: jitTokens / n, weightedTokens: (tokens - jitTokens / 2) / n, calls: calls / n, frames: frames / n };
}

/** Converts tokens per sample into a [low, high] ms range on the nRF52. */
export function tokensToMs(tokens: number): [number, number] {
  return [
    (tokens * INSTRUCTIONS_PER_TOKEN[0] * US_PER_KILO_INSTRUCTION[0]) / 1e6,
    (tokens * INSTRUCTIONS_PER_TOKEN[1] * US_PER_KILO_INSTRUCTION[1]) / 1e6,
  ];
}

export const bench: BenchModule = {
  name: 'protocol',
  async run(log): Promise<Figures> {
    const rate = 80;
    const n = rate * 300; // five minutes
    const { counts, summary } = realisticCounts(n, rate, 2);
    log(`realistic signal: ${n} samples at ${rate} Hz, force fluctuation ${summary.forceRmsPercent.toFixed(1)} % RMS, CoP 30 mm/s`);
    const spf23 = defaultSamplesPerFrame(20);
    const spf53 = defaultSamplesPerFrame(50);
    const mtu23 = bytesPerSample(encodeAll(counts, 20, spf23), n);
    const mtu53 = bytesPerSample(encodeAll(counts, 50, spf53), n);
    const first23 = bytesPerSample(encodeAll(counts, 20, spf23, false), n);
    const noise = noiseCounts(n, 3);
    const worst = bytesPerSample(encodeAll(noise, 20, spf23), n);
    log(`MTU 23 (${spf23} samples/frame): ${mtu23.toFixed(3)} B/sample (first-order predictor: ${first23.toFixed(3)})`);
    log(`MTU 53 (${spf53} samples/frame): ${mtu53.toFixed(3)} B/sample; full-scale noise at MTU 23: ${worst.toFixed(3)} B/sample`);
    const v12 = {
      mtu23: bytesPerSample(encodeAll(counts, 20, spf23, true, 2), n),
      mtu53: bytesPerSample(encodeAll(counts, 50, spf53, true, 2), n),
      worst: bytesPerSample(encodeAll(noise, 20, spf23, true, 2), n),
      worst53: bytesPerSample(encodeAll(noise, 50, spf53, true, 2), n),
    };
    const worst53 = bytesPerSample(encodeAll(noise, 50, spf53), n);
    log(`1.2 frames (KEY2/DELTA2, predictor order chosen per frame): MTU 23 ${v12.mtu23.toFixed(3)}, MTU 53 ${v12.mtu53.toFixed(3)} B/sample; full-scale noise ${v12.worst.toFixed(3)} / ${v12.worst53.toFixed(3)} (1.1: ${worst.toFixed(3)} / ${worst53.toFixed(3)})`);

    // Throughput: encode then decode the same 5 minutes several times; best of the runs. The decoder
    // writes into caller-owned typed arrays (decodeInto), as a host does: nothing allocated per frame.
    // Times are this process's CPU time (one core; on this shared machine wall time mostly measures
    // the other processes); wall time is logged alongside.
    const frames = encodeAll(counts, 20, spf23);
    const frames2 = encodeAll(counts, 20, spf23, true, 2);
    const outCounts = new Int32Array(4 * n);
    const outFlags = new Uint8Array(n);
    const cpuMs = (t: NodeJS.CpuUsage): number => (t.user + t.system) / 1000;
    const decodeRun = (list: Uint8Array[]): { cpu: number; wall: number } => {
      const dec = createStreamDecoder();
      const w0 = performance.now();
      const c0 = process.cpuUsage();
      let got = 0;
      for (const f of list) got += dec.decodeInto(f, outCounts, outFlags, got);
      const cpu = cpuMs(process.cpuUsage(c0));
      const wall = performance.now() - w0;
      if (got !== n) throw new Error(`protocol bench: decoder returned ${got} samples, expected ${n}`);
      return { cpu, wall };
    };
    let bestEnc = Infinity;
    let bestDec = Infinity;
    let bestDec2 = Infinity;
    let bestWall = Infinity;
    for (let run = 0; run < 20; run++) {
      const c0 = process.cpuUsage();
      if (run < 5) encodeAll(counts, 20, spf23);
      if (run < 5) bestEnc = Math.min(bestEnc, cpuMs(process.cpuUsage(c0)));
      const d = decodeRun(frames);
      bestDec = Math.min(bestDec, d.cpu);
      bestWall = Math.min(bestWall, d.wall);
      bestDec2 = Math.min(bestDec2, decodeRun(frames2).cpu);
    }
    for (let i = 0; i < 4 * n; i++) if (outCounts[i] !== counts[i]) throw new Error(`protocol bench: decoded count ${i} differs`);
    // Device cost proxy: executed source tokens per sample of the ES5 encoder (see the note above).
    const device: Figures = {};
    for (const [label, payload] of [
      ['mtu23', 20],
      ['mtu53', 50],
    ] as const) {
      const tokens = deviceTokensPerSample(counts.subarray(0, 4 * 8000), payload, defaultSamplesPerFrame(payload));
      const [lo, hi] = tokensToMs(tokens);
      device[`protocol.device_tokens_per_sample.${label}`] = Math.round(tokens);
      device[`protocol.device_ms_per_sample.${label}_low`] = round(lo, 2);
      device[`protocol.device_ms_per_sample.${label}_high`] = round(hi, 2);
      log(`device cost estimate at payload ${payload}: ${Math.round(tokens)} executed tokens per sample, about ${lo.toFixed(1)}-${hi.toFixed(1)} ms on the nRF52 in plain interpreted JS`);
      const c = deviceCostPerSample(counts.subarray(0, 4 * 8000), payload, defaultSamplesPerFrame(payload));
      device[`protocol.device_weighted_tokens_per_sample.${label}`] = Math.round(c.weightedTokens);
      device[`protocol.device_calls_per_sample.${label}`] = round(c.calls, 2);
      log(`  of which ${Math.round(c.jitTokens)} in "jit" functions: ${Math.round(c.weightedTokens)} interpreted-equivalent tokens, ${c.calls.toFixed(2)} JS calls and ${c.frames.toFixed(3)} frames per sample`);
    }

    const encRate = n / (bestEnc / 1000);
    const decRate = n / (bestDec / 1000);
    const decRate2 = n / (bestDec2 / 1000);
    log(`Node encode ${Math.round(encRate)} samples/s (best of 5), decode ${Math.round(decRate)} samples/s (MTU 23 frames, best of 20, CPU time; wall time ${Math.round(n / (bestWall / 1000))}), 1.2 frames ${Math.round(decRate2)} samples/s`);
    return {
      'protocol.bytes_per_sample.mtu23': round(mtu23, 3),
      'protocol.bytes_per_sample.mtu53': round(mtu53, 3),
      'protocol.bytes_per_sample.worst_mtu23': round(worst, 3),
      'protocol.encode_samples_per_s': Math.round(encRate),
      'protocol.decode_samples_per_s': Math.round(decRate),
      'protocol.decode_samples_per_s.v12': Math.round(decRate2),
      'protocol.bytes_per_sample.v12_mtu23': round(v12.mtu23, 3),
      'protocol.bytes_per_sample.v12_mtu53': round(v12.mtu53, 3),
      'protocol.bytes_per_sample.v12_worst_mtu23': round(v12.worst, 3),
      'protocol.bytes_per_sample.v12_worst_mtu53': round(v12.worst53, 3),
      'protocol.bytes_per_sample.worst_mtu53': round(worst53, 3),
      ...device,
    };
  },
};
