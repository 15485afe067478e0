import * as acorn from 'acorn';
import * as walk from 'acorn-walk';

/**
 * What the emulator's JavaScript world removes or refuses so that firmware fails as it would on
 * Espruino (firmware/ESPRUINO.md, "Library"), and the list of real Espruino APIs the emulator
 * knows but does not model (calling one throws an error naming it instead of "is not defined").
 */

/** Runs inside the vm context before the firmware: deletes what Espruino lacks. */
export const REMOVE_ABSENT_BUILTINS = `(function (g) {
  var del = function (o, names) { for (var i = 0; i < names.length; i++) { try { delete o[names[i]]; } catch (e) {} } };
  del(g, ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Symbol', 'Proxy', 'Reflect',
    'RangeError', 'TextEncoder', 'TextDecoder', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'Atomics',
    'SharedArrayBuffer', 'Intl', 'WebAssembly', 'structuredClone', 'queueMicrotask', 'AggregateError']);
  del(Array, ['from', 'of']);
  del(Array.prototype, ['flat', 'flatMap', 'at', 'lastIndexOf', 'reduceRight', 'findLast', 'findLastIndex', 'copyWithin', 'toSorted', 'toReversed', 'toSpliced', 'with']);
  del(Number, ['isFinite', 'isInteger', 'isNaN', 'isSafeInteger', 'EPSILON', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER']);
  del(Math, ['imul', 'clz32', 'trunc', 'log2', 'log10', 'hypot', 'fround', 'cbrt', 'sign', 'expm1', 'log1p', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh']);
  del(Object, ['freeze', 'isFrozen', 'is', 'seal', 'isSealed', 'preventExtensions', 'getOwnPropertySymbols']);
  del(ArrayBuffer.prototype, ['slice']);
  del(ArrayBuffer, ['isView']);
  del(Promise.prototype, ['finally']);
  del(Promise, ['race', 'allSettled', 'any']);
  del(String.prototype, ['trimStart', 'trimEnd', 'trimLeft', 'trimRight', 'codePointAt', 'at', 'normalize', 'matchAll', 'replaceAll']);
  del(String, ['raw', 'fromCodePoint']);
  var typed = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array'];
  var TA = Object.getPrototypeOf(Int8Array);
  del(TA, ['from', 'of']);
  del(TA.prototype, ['at', 'lastIndexOf', 'reduceRight', 'findLast', 'findLastIndex', 'copyWithin', 'toSorted', 'toReversed', 'with']);
  for (var i = 0; i < typed.length; i++) {
    var C = g[typed[i]];
    del(C, ['BYTES_PER_ELEMENT', 'from', 'of']);
    del(C.prototype, ['BYTES_PER_ELEMENT']);
  }
  Math.clip = function (x, lo, hi) { return x < lo ? lo : x > hi ? hi : x; };
  Math.wrap = function (x, max) { return ((x % max) + max) % max; };
  g.global = g;
})(this);`;

/** Global functions and objects of Espruino on nRF52 that the emulator does not model. */
export const UNIMPLEMENTED_GLOBALS = [
  'analogRead', 'analogWrite', 'peek8', 'peek16', 'peek32', 'poke8', 'poke16', 'poke32', 'dump', 'edit', 'echo',
  'setBusyIndicator', 'setSleepIndicator', 'setDeepSleep', 'getSerial', 'setTime', 'trace', 'save', 'reset', 'load',
  'I2C', 'Waveform', 'OneWire', 'Graphics', 'Flash', 'Modules', 'Serial', 'Telnet', 'Terminal', 'Wifi',
] as const;

/** Real `E.*` functions the emulator does not model. */
export const UNIMPLEMENTED_E = [
  'setBootCode', 'kickWatchdog', 'enableWatchdog', 'getSizeOf', 'getAnalogVRef', 'interpolate', 'interpolate2d',
  'FFT', 'convolve', 'clip', 'srand', 'memoryArea', 'compiledC', 'setFlags', 'getFlags', 'dumpStr',
  'lockConsole', 'setPassword', 'reverseByte', 'asm', 'toJS', 'HSBtoRGB', 'setTimeZone',
  'getClock', 'setClock', 'dumpTimers', 'dumpLockedVars', 'dumpFragmentation', 'dumpVariables', 'defrag',
  'stopEventPropagation', 'decodeUTF8', 'openFile', 'pipe', 'setRTCPrescaler', 'getRTCPrescaler', 'setDST',
  'setUSBHID', 'sendUSBHID', 'unmountSD', 'connectSDCard', 'memoryMap', 'setComparator', 'getPowerUsage',
  'showMessage', 'showPrompt', 'showMenu', 'showAlert', 'showScroller', 'getDateFromISO', 'CRC16', 'CRC8',
] as const;

/** Real `NRF.*` functions the emulator does not model. */
export const UNIMPLEMENTED_NRF = [
  'sleep', 'wake', 'restart', 'eraseBonds', 'getAdvertisingData', 'setScan', 'filterDevices', 'findDevices',
  'setRSSIHandler', 'setLowPowerConnection', 'nfcURL', 'nfcPair', 'nfcAndroidApp', 'nfcRaw', 'nfcStart', 'nfcStop',
  'nfcSend', 'sendHIDReport', 'ancsIsActive', 'ancsAction', 'ancsGetNotificationInfo', 'ancsGetAppInfo', 'amsIsActive',
  'amsGetPlayerInfo', 'amsGetTrackInfo', 'amsCommand', 'requestDevice', 'connect', 'setWhitelist', 'setSecurity',
  'startBonding', 'setAddress', 'setTxPower', 'setMACAddress', 'updateServicesDataAsync',
] as const;

/** Real `require("Storage")` functions the emulator does not model. */
export const UNIMPLEMENTED_STORAGE = ['open', 'hash', 'debug', 'compact', 'getStats', 'optimise'] as const;

export type ExecMode = 'interpreted' | 'jit' | 'ram';

/** Why Espruino's JIT refuses a function (firmware/ESPRUINO.md, "Cost"), or null when it compiles. */
export function jitRejection(fn: acorn.Node): string | null {
  let why: string | null = null;
  const body = (fn as unknown as { body: acorn.Node }).body;
  walk.full(body, (n) => {
    if (why) return;
    const node = n as acorn.Node & { operator?: string };
    switch (n.type) {
      case 'BreakStatement': why = "'break'"; break;
      case 'ContinueStatement': why = "'continue'"; break;
      case 'SwitchStatement': why = "'switch'"; break;
      case 'TryStatement': why = "'try'"; break;
      case 'TemplateLiteral': why = 'template literal'; break;
      case 'ForInStatement': why = "'in'"; break;
      case 'FunctionExpression': case 'FunctionDeclaration': why = 'nested function'; break;
      case 'ArrowFunctionExpression': why = 'arrow function'; break;
      case 'BinaryExpression': if (node.operator === 'in') why = "'in'"; break;
      case 'UnaryExpression': if (node.operator === 'typeof') why = "'typeof'"; break;
    }
  });
  return why;
}

export interface InstrumentedSource {
  code: string;
  /** Functions that asked for "jit" and were rejected, with the reason (the device prints a JIT error). */
  jitErrors: Array<{ line: number; reason: string }>;
  jitFunctions: number;
  ramFunctions: number;
  loops: number;
  /** Function declarations turned into assignments in place (no hoisting, as on Espruino). */
  declarations: number;
}

/** Index into the loop-iteration counters (`__emuLoops`) by execution mode. */
export const LOOP_COUNTER_INDEX: Record<ExecMode, number> = { interpreted: 0, jit: 1, ram: 2 };

type FnNode = acorn.Node & { body: { type: string; start: number; end: number; body: Array<{ type: string; directive?: string; end: number }> }; loc: { start: { line: number } } };
type LoopNode = acorn.Node & { body: acorn.Node };

/**
 * Prepares the firmware source for cost accounting, without changing what it computes:
 * - functions whose first statement is "jit" or "ram" get `__emuMode(m); try { ... } finally
 *   { __emuModeEnd(); }` after the directive, so API calls inside them are charged at that mode's
 *   cost (a "jit" function the JIT would reject runs interpreted, as on the device);
 * - every loop body gets `__emuLoops[k]++` so loop iterations are counted (the cost table's
 *   "empty loop iteration"), k by the enclosing function's mode;
 * - function declarations become `var f = function f() {...};` where they stand, because
 *   Espruino does not hoist: calling a function before its declaration has run fails.
 * The firmware can observe only three hidden globals.
 */
export function instrumentSource(source: string): InstrumentedSource {
  const ast = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'script', locations: true, allowReturnOutsideFunction: false });
  const edits: Array<{ at: number; text: string; order: number }> = [];
  const jitErrors: InstrumentedSource['jitErrors'] = [];
  const modes = new Map<acorn.Node, ExecMode>();
  let jitFunctions = 0;
  let ramFunctions = 0;
  let loops = 0;
  const visitFunction = (fn: FnNode): void => {
    if (fn.body.type !== 'BlockStatement') return;
    const first = fn.body.body[0];
    if (!first || first.type !== 'ExpressionStatement' || (first.directive !== 'jit' && first.directive !== 'ram')) return;
    let mode: ExecMode = first.directive;
    if (mode === 'jit') {
      const why = jitRejection(fn);
      if (why) {
        jitErrors.push({ line: fn.loc.start.line, reason: why });
        mode = 'interpreted';
      } else jitFunctions++;
    } else ramFunctions++;
    modes.set(fn, mode);
    edits.push({ at: first.end, text: `__emuMode(${JSON.stringify(mode)});try{`, order: 1 });
    edits.push({ at: fn.body.end - 1, text: '}finally{__emuModeEnd();}', order: 1 });
  };
  const isFunction = (n: acorn.Node): boolean => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';
  walk.full(ast, (n) => {
    if (isFunction(n)) visitFunction(n as FnNode);
  });
  // Espruino does not hoist: a function declared later in its scope is not defined before its
  // declaration runs. `function f() {}` becomes `var f = function f() {};` in place.
  let declarations = 0;
  walk.full(ast, (n) => {
    if (n.type !== 'FunctionDeclaration') return;
    const id = (n as unknown as { id: { name: string } | null }).id;
    if (!id) return;
    declarations++;
    edits.push({ at: n.start, text: `var ${id.name} = `, order: 0 });
    edits.push({ at: n.end, text: ';', order: 3 });
  });
  walk.fullAncestor(ast, (n, _state, ancestors) => {
    if (!['ForStatement', 'WhileStatement', 'DoWhileStatement', 'ForInStatement', 'ForOfStatement'].includes(n.type)) return;
    let mode: ExecMode = 'interpreted';
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const a = ancestors[i]!;
      if (isFunction(a)) {
        mode = modes.get(a) ?? 'interpreted';
        break;
      }
    }
    const body = (n as LoopNode).body;
    loops++;
    edits.push({ at: body.start, text: `{__emuLoops[${LOOP_COUNTER_INDEX[mode]}]++;`, order: 2 });
    edits.push({ at: body.end, text: '}', order: 2 });
  });
  // Applied from the end of the source; at one position, an edit applied later lands to the left.
  // Left to right where they meet: `;` ending a declaration, a loop's `}`, a "jit" body's
  // `}finally{...}`, then `var g = ` opening the next declaration.
  edits.sort((a, b) => b.at - a.at || a.order - b.order);
  let code = source;
  for (const e of edits) code = code.slice(0, e.at) + e.text + code.slice(e.at);
  return { code, jitErrors, jitFunctions, ramFunctions, loops, declarations };
}
