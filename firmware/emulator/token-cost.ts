/**
 * A device-cost proxy for Espruino-bound code: compiles a protocol file to ES5 (as the firmware build
 * does), inserts a counter before every statement that adds the number of source tokens that
 * statement executes (loop tests and updates once per iteration), and runs it in a vm. Espruino
 * interprets by re-lexing the source, so executed tokens track its cost; the cost table in
 * firmware/ESPRUINO.md calibrates about 0.8-1k x86 instructions per token (24k for four `a[i] = v;`
 * Int32Array stores, 79k for twelve shifted Uint8Array stores) and 8-16 us per 1k instructions on
 * the nRF52. It undercounts: skipped branches are lexed too on the device, and native calls cost
 * more than their tokens. An estimate to compare designs and sizes, not a measurement on a board.
 * Used by the protocol and firmware benches and by tests/protocol/device-cost.test.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type * as AcornNs from 'acorn';
import type TsNs from 'typescript';
import * as constants from '../../protocol/constants.ts';
import { KEY_INTERVAL_DEFAULT } from '../../protocol/index.ts';
import { createTokenCounter } from './es5-tokens.ts';

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
 * compiles them to Thumb code: about half the interpreted cost, firmware/ESPRUINO.md).
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
