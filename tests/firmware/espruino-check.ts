/**
 * The mechanical stand-in for the Espruino interpreter: checks a JavaScript source (the built
 * firmware/dist/tripod.js) against what firmware/ESPRUINO.md lists as absent or silently
 * different on the device. Returns every violation with its rule name and line; an empty list means
 * the file passed. Strict on purpose: when in doubt, assume the device is stricter.
 *
 * Rules (each has a failing snippet in espruino-check.test.ts):
 * - es5-syntax: the file parses as ECMAScript 5 (rejects let/const, arrows, classes, templates, ...).
 * - absent-global: a free identifier that is not a known Espruino global (Map, Set, Symbol, ...).
 * - absent-member: a static member Espruino lacks (Array.from, Number.isFinite, Math.imul, ...).
 * - absent-method: a method name Espruino lacks on any receiver (.flat, .at, .lastIndexOf, ...).
 * - prototype-builtin: `X.prototype.y` on a built-in (undefined on the device).
 * - length-assign: `arr.length = n` (throws on the device).
 * - label: labelled statements.
 * - array-hole: `[1,,3]`.
 * - use-before-declaration: a var or function used before its declaration in the same scope
 *   (Espruino does not hoist), also through immediately-invoked functions.
 * - loop-closure: a function created in a loop that captures a loop variable; TypeScript's `_loop_N`.
 * - require: `require` of anything but Espruino built-ins.
 * - ts-helper: any `__name` identifier (TypeScript helpers such as __extends, __awaiter).
 * - function-name: `.name` of a function, `.constructor.name`, `arguments.callee`.
 * - json-replacer: JSON.stringify/parse with a replacer or reviver (ignored on the device).
 * - return-newline: a bare `return` not closed by `;` (the device returns the next line's value).
 * - to-fixed: `.toFixed` (rounds differently on the device).
 * - moves-memory: `E.defrag` or `E.toFlatString`: both can defragment the variable store
 *   (jsvDefragment), which moves flat strings, the typed arrays whose addresses the native code
 *   holds (firmware/README.md "Memory on the board").
 * - with / eval: `with` statements, `eval`, `new Function`.
 * - jit: inside a function whose first statement is "jit", only what the JIT compiles.
 */
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import { children } from '../../firmware/ast.ts';

export interface Violation {
  rule: string;
  message: string;
  line: number;
  column: number;
}

type AnyNode = acorn.Node & Record<string, any>;

/** Globals present on Espruino nRF52 builds that firmware may reference. */
export const ESPRUINO_GLOBALS = new Set([
  'Array', 'ArrayBuffer', 'Boolean', 'DataView', 'Date', 'Error', 'TypeError', 'ReferenceError', 'SyntaxError',
  'InternalError', 'Float32Array', 'Float64Array', 'Int8Array', 'Int16Array', 'Int32Array', 'Uint8Array',
  'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'Infinity', 'NaN', 'undefined', 'JSON', 'Math', 'Number',
  'Object', 'Promise', 'String', 'RegExp', 'isFinite', 'isNaN', 'parseInt', 'parseFloat', 'btoa', 'atob',
  'global', 'globalThis', 'arguments', 'E', 'NRF', 'Bluetooth', 'USB', 'Serial1', 'Serial2', 'LoopbackA',
  'LoopbackB', 'Terminal', 'getTime', 'setTime', 'setInterval', 'setTimeout', 'clearInterval', 'clearTimeout',
  'changeInterval', 'setWatch', 'clearWatch', 'digitalRead', 'digitalWrite', 'digitalPulse', 'pinMode',
  'getPinMode', 'analogRead', 'analogWrite', 'shiftOut', 'require', 'print', 'console', 'reset', 'load', 'save',
  'LED', 'LED1', 'LED2', 'LED3', 'BTN', 'BTN1', 'Pin', 'process', 'SPI', 'I2C', 'Serial',
]);
const PIN_NAME = /^D([0-9]|[12][0-9]|3[01])$/;

/** `Object.member` pairs absent on the device. */
const ABSENT_MEMBERS: Record<string, string[]> = {
  Array: ['from', 'of', 'isArray_'],
  Number: ['isFinite', 'isInteger', 'isNaN', 'isSafeInteger', 'EPSILON', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'parseFloat', 'parseInt'],
  Math: ['imul', 'clz32', 'trunc', 'log2', 'log10', 'log1p', 'expm1', 'hypot', 'fround', 'cbrt', 'sign', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh'],
  Object: ['freeze', 'is', 'seal', 'isFrozen', 'isSealed', 'getOwnPropertySymbols', 'setPrototypeOf', 'groupBy'],
  ArrayBuffer: ['isView'],
  Promise: ['race', 'allSettled', 'any', 'withResolvers'],
  String: ['raw', 'fromCodePoint'],
  E: ['CRC16', 'CRC8'],
};
const TYPED_ARRAYS = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array'];
for (const t of TYPED_ARRAYS) ABSENT_MEMBERS[t] = ['from', 'of', 'BYTES_PER_ELEMENT'];

/** Property names absent (or silently different) on every receiver. */
const ABSENT_METHODS = new Set([
  'flat', 'flatMap', 'at', 'lastIndexOf', 'reduceRight', 'finally', 'trimStart', 'trimEnd', 'trimLeft', 'trimRight',
  'codePointAt', 'normalize', 'copyWithin', 'findLast', 'findLastIndex', 'toSorted', 'toReversed', 'toSpliced',
  'replaceAll', 'matchAll', 'BYTES_PER_ELEMENT', 'toFixed',
]);
/** Iterator-returning methods: only as Object.keys/values/entries. */
const ITERATOR_METHODS = new Set(['keys', 'values', 'entries']);
const BUILTIN_CONSTRUCTORS = new Set(['Array', 'Object', 'String', 'Number', 'Function', 'Boolean', 'ArrayBuffer', 'DataView', 'Promise', 'Error', 'RegExp', 'Date', ...TYPED_ARRAYS]);

/** Node types a "jit" function may contain (Espruino's JIT README lists what it compiles). */
const JIT_NODE_TYPES = new Set([
  'BlockStatement', 'ExpressionStatement', 'VariableDeclaration', 'VariableDeclarator', 'ForStatement', 'IfStatement',
  'ConditionalExpression', 'AssignmentExpression', 'BinaryExpression', 'LogicalExpression', 'UnaryExpression',
  'UpdateExpression', 'CallExpression', 'MemberExpression', 'Identifier', 'Literal', 'ArrayExpression',
  'ObjectExpression', 'Property', 'EmptyStatement',
]);
const JIT_UNARY = new Set(['~', '!', '+', '-']);

interface Decl {
  pos: number;
  kind: 'var' | 'function' | 'param' | 'self' | 'catch';
}
interface Scope {
  node: AnyNode;
  parent: Scope | null;
  decls: Map<string, Decl>;
  /** Immediately invoked: its body runs where it is written. */
  iife: boolean;
}

export function checkEspruinoSource(src: string): Violation[] {
  const violations: Violation[] = [];
  let ast: AnyNode;
  try {
    ast = acorn.parse(src, { ecmaVersion: 5, locations: true, allowReserved: false }) as unknown as AnyNode;
  } catch (e) {
    const err = e as { message: string; loc?: { line: number; column: number } };
    return [{ rule: 'es5-syntax', message: `not ECMAScript 5: ${err.message}`, line: err.loc?.line ?? 0, column: err.loc?.column ?? 0 }];
  }
  const report = (rule: string, node: AnyNode, message: string): void => {
    violations.push({ rule, message, line: node.loc?.start.line ?? 0, column: node.loc?.start.column ?? 0 });
  };

  // Parent links and scopes.
  const parent = new Map<AnyNode, AnyNode>();
  const scopeOf = new Map<AnyNode, Scope>();
  const link = (n: AnyNode): void => {
    for (const c of children(n)) {
      parent.set(c, n);
      link(c);
    }
  };
  link(ast);
  const isFunction = (n: AnyNode): boolean => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression';
  const isIife = (fn: AnyNode): boolean => {
    if (fn.type !== 'FunctionExpression') return false;
    const p = parent.get(fn);
    if (p?.type === 'CallExpression' && p.callee === fn) return true;
    if (p?.type === 'MemberExpression' && p.object === fn && !p.computed && ['call', 'apply'].includes(p.property.name)) {
      const pp = parent.get(p);
      return pp?.type === 'CallExpression' && pp.callee === p;
    }
    return false;
  };
  const buildScope = (node: AnyNode, par: Scope | null): Scope => {
    const scope: Scope = { node, parent: par, decls: new Map(), iife: isIife(node) };
    scopeOf.set(node, scope);
    if (node.type === 'FunctionExpression' && node.id) scope.decls.set(node.id.name, { pos: -1, kind: 'self' });
    if (isFunction(node)) for (const p of node.params as AnyNode[]) scope.decls.set(p.name, { pos: -1, kind: 'param' });
    const collect = (n: AnyNode): void => {
      for (const c of children(n)) {
        if (c.type === 'FunctionDeclaration') {
          if (!scope.decls.has(c.id.name) || scope.decls.get(c.id.name)!.kind === 'var') scope.decls.set(c.id.name, { pos: c.start, kind: 'function' });
          buildScope(c, scope);
        } else if (c.type === 'FunctionExpression') {
          buildScope(c, scope);
        } else {
          if (c.type === 'VariableDeclarator' && !scope.decls.has(c.id.name)) scope.decls.set(c.id.name, { pos: c.start, kind: 'var' });
          collect(c);
        }
      }
    };
    collect(isFunction(node) ? node.body : node);
    return scope;
  };
  buildScope(ast, null);

  const enclosingScope = (n: AnyNode): Scope => {
    for (let p = parent.get(n); p; p = parent.get(p)) {
      const s = scopeOf.get(p);
      if (s) return s;
    }
    return scopeOf.get(ast)!;
  };
  /** Catch parameters bind inside their clause only. */
  const catchBinds = (n: AnyNode, name: string): boolean => {
    for (let p = parent.get(n); p && !scopeOf.has(p); p = parent.get(p)) {
      if (p.type === 'CatchClause' && p.param?.name === name) return true;
    }
    return false;
  };
  const resolveName = (n: AnyNode, name: string): { scope: Scope; decl: Decl } | null => {
    if (catchBinds(n, name)) return null;
    for (let s: Scope | null = enclosingScope(n); s; s = s.parent) {
      const d = s.decls.get(name);
      if (d) return { scope: s, decl: d };
    }
    return null;
  };
  /** True when the reference runs as the declaring scope's own code (no deferred function between). */
  const immediateIn = (n: AnyNode, target: Scope): boolean => {
    for (let s: Scope | null = enclosingScope(n); s && s !== target; s = s.parent) if (!s.iife) return false;
    return true;
  };
  const isReference = (id: AnyNode): boolean => {
    const p = parent.get(id);
    if (!p) return true;
    if (p.type === 'MemberExpression' && p.property === id && !p.computed) return false;
    if (p.type === 'Property' && p.key === id && !p.computed) return false;
    if ((p.type === 'FunctionDeclaration' || p.type === 'FunctionExpression') && (p.id === id || (p.params as AnyNode[]).includes(id))) return false;
    if (p.type === 'VariableDeclarator' && p.id === id) return false;
    if (p.type === 'CatchClause' && p.param === id) return false;
    if ((p.type === 'LabeledStatement' || p.type === 'BreakStatement' || p.type === 'ContinueStatement') && p.label === id) return false;
    return true;
  };
  /** Start positions of `var f = function ...` declarators (Decl.pos of such vars). */
  const functionVarPos = new Set<number>();
  const gather = (n: AnyNode): void => {
    if (n.type === 'VariableDeclarator' && n.init?.type === 'FunctionExpression') functionVarPos.add(n.start);
    for (const c of children(n)) gather(c);
  };
  gather(ast);
  /** True when the identifier, resolved in its scope, names a function (declared, named expression, or a var set to one). */
  const namesFunction = (id: AnyNode): boolean => {
    const r = resolveName(id, id.name);
    if (!r) return false;
    return r.decl.kind === 'function' || r.decl.kind === 'self' || (r.decl.kind === 'var' && functionVarPos.has(r.decl.pos));
  };

  const visit = (n: AnyNode): void => {
    switch (n.type) {
      case 'Identifier': {
        if (!isReference(n)) break;
        const name: string = n.name;
        if (/^__/.test(name)) report('ts-helper', n, `'${name}' looks like a TypeScript helper (__extends, __awaiter, ...): avoid the syntax that needs it`);
        if (/^_loop_\d+$/.test(name)) report('loop-closure', n, `'${name}' is TypeScript's per-iteration closure: a closure in a loop captures a loop variable`);
        const r = resolveName(n, name);
        if (!r) {
          if (!catchBinds(n, name) && !ESPRUINO_GLOBALS.has(name) && !PIN_NAME.test(name)) {
            report('absent-global', n, `'${name}' is not an Espruino global (absent on the device or undeclared)`);
          }
          if (name === 'eval') report('eval', n, `'eval' is not allowed in firmware`);
        } else if ((r.decl.kind === 'var' || r.decl.kind === 'function') && n.start < r.decl.pos && immediateIn(n, r.scope)) {
          report('use-before-declaration', n, `'${name}' is used before its ${r.decl.kind} declaration in the same scope (Espruino does not hoist)`);
        }
        break;
      }
      case 'MemberExpression': {
        if (!n.computed) {
          const prop: string = n.property.name;
          const obj = n.object as AnyNode;
          if (obj.type === 'Identifier' && ABSENT_MEMBERS[obj.name]?.includes(prop)) report('absent-member', n, `${obj.name}.${prop} is absent on Espruino`);
          if (obj.type === 'Identifier' && obj.name === 'E' && (prop === 'defrag' || prop === 'toFlatString')) {
            report('moves-memory', n, `E.${prop} can defragment the variable store, moving the buffers whose addresses the native code holds`);
          }
          if (ABSENT_METHODS.has(prop)) report(prop === 'toFixed' ? 'to-fixed' : 'absent-method', n, `.${prop} is absent or differs on Espruino`);
          if (ITERATOR_METHODS.has(prop) && !(obj.type === 'Identifier' && obj.name === 'Object')) report('absent-method', n, `.${prop}() iterators are absent on Espruino (only Object.${prop} exists)`);
          if (prop === 'prototype' && obj.type === 'Identifier' && BUILTIN_CONSTRUCTORS.has(obj.name)) {
            const p = parent.get(n);
            if (p?.type === 'MemberExpression' && p.object === n) report('prototype-builtin', n, `${obj.name}.prototype.* is undefined on Espruino (use [].slice.call or the instance)`);
          }
          if (prop === 'name' && ((obj.type === 'Identifier' && namesFunction(obj)) || (obj.type === 'MemberExpression' && !obj.computed && obj.property.name === 'constructor') || isFunction(obj))) {
            report('function-name', n, `Function.prototype.name is absent on Espruino`);
          }
          if (prop === 'callee' && obj.type === 'Identifier' && obj.name === 'arguments') report('function-name', n, `arguments.callee is not supported`);
        }
        break;
      }
      case 'AssignmentExpression': {
        const left = n.left as AnyNode;
        if (left.type === 'MemberExpression' && ((!left.computed && left.property.name === 'length') || (left.computed && left.property.type === 'Literal' && left.property.value === 'length'))) {
          report('length-assign', n, `assigning .length throws on Espruino (use splice)`);
        }
        break;
      }
      case 'LabeledStatement':
        report('label', n, `labels are a SyntaxError on Espruino`);
        break;
      case 'ArrayExpression':
        if ((n.elements as Array<AnyNode | null>).some((e) => e === null)) report('array-hole', n, `array holes fail on Espruino when the code is skipped`);
        break;
      case 'WithStatement':
        report('with', n, `'with' is not allowed in firmware`);
        break;
      case 'NewExpression':
        if (n.callee.type === 'Identifier' && n.callee.name === 'Function') report('eval', n, `new Function is not allowed in firmware`);
        break;
      case 'ReturnStatement':
        if (!n.argument && src[n.end - 1] !== ';') report('return-newline', n, `bare 'return' must end with ';' (Espruino returns the next line's value)`);
        break;
      case 'CallExpression': {
        const callee = n.callee as AnyNode;
        if (callee.type === 'Identifier' && callee.name === 'require') {
          const arg = n.arguments[0] as AnyNode | undefined;
          if (n.arguments.length !== 1 || arg?.type !== 'Literal' || arg.value !== 'Storage') {
            report('require', n, `require(${arg?.type === 'Literal' ? JSON.stringify(arg.value) : '...'}) : only Espruino built-in modules ("Storage") may be required`);
          }
        }
        if (callee.type === 'MemberExpression' && !callee.computed && callee.object.type === 'Identifier' && callee.object.name === 'JSON' && n.arguments.length > 1) {
          report('json-replacer', n, `JSON.${callee.property.name} ignores replacer/reviver/indent arguments on Espruino`);
        }
        break;
      }
      default:
        break;
    }
    if (n.type === 'Identifier' && n.name === 'require' && isReference(n)) {
      const p = parent.get(n);
      if (!(p?.type === 'CallExpression' && p.callee === n)) report('require', n, `'require' may only be called directly with "Storage"`);
    }
    if (isFunction(n)) {
      const first = (n.body.body as AnyNode[])[0];
      if (first?.type === 'ExpressionStatement' && first.directive === 'jit') checkJit(n);
    }
    if (n.type === 'ForStatement' || n.type === 'ForInStatement' || n.type === 'WhileStatement' || n.type === 'DoWhileStatement') checkLoop(n);
  };

  const checkJit = (fn: AnyNode): void => {
    const walkJit = (n: AnyNode): void => {
      if (!JIT_NODE_TYPES.has(n.type)) {
        report('jit', n, `"jit" function cannot contain ${n.type} (the JIT rejects it and runs the function as plain JS)`);
        return;
      }
      if (n.type === 'BinaryExpression' && (n.operator === 'in' || n.operator === 'instanceof')) report('jit', n, `"jit" function cannot use '${n.operator}'`);
      if (n.type === 'UnaryExpression' && !JIT_UNARY.has(n.operator)) report('jit', n, `"jit" function cannot use '${n.operator}'`);
      for (const c of children(n)) walkJit(c);
    };
    for (const p of fn.params as AnyNode[]) walkJit(p);
    for (const s of fn.body.body as AnyNode[]) walkJit(s);
  };

  const checkLoop = (loop: AnyNode): void => {
    const control = new Set<string>();
    const addTarget = (t: AnyNode | null | undefined): void => {
      if (t?.type === 'Identifier') control.add(t.name);
    };
    const scanWrites = (n: AnyNode | null | undefined): void => {
      if (!n || isFunction(n)) return;
      if (n.type === 'UpdateExpression') addTarget(n.argument);
      if (n.type === 'AssignmentExpression') addTarget(n.left);
      if (n.type === 'VariableDeclaration') for (const d of n.declarations as AnyNode[]) control.add(d.id.name);
      for (const c of children(n)) scanWrites(c);
    };
    if (loop.type === 'ForStatement') {
      scanWrites(loop.init);
      scanWrites(loop.update);
    } else if (loop.type === 'ForInStatement') {
      if (loop.left.type === 'VariableDeclaration') control.add(loop.left.declarations[0].id.name);
      else addTarget(loop.left);
    } else {
      scanWrites(loop.test);
      scanWrites(loop.body);
    }
    if (control.size === 0) return;
    const loopScope = enclosingScope(loop.body);
    const findFns = (n: AnyNode): void => {
      if (isFunction(n)) {
        const refs = (m: AnyNode): void => {
          if (m.type === 'Identifier' && control.has(m.name) && isReference(m)) {
            const r = resolveName(m, m.name);
            if (r && r.scope === loopScope) report('loop-closure', m, `closure created in a loop captures loop variable '${m.name}' (every closure sees its final value)`);
          }
          for (const c of children(m)) refs(c);
        };
        refs(n.body);
        return;
      }
      for (const c of children(n)) findFns(c);
    };
    for (const part of [loop.test, loop.update, loop.body]) if (part) findFns(part);
  };

  const seen = new Set<AnyNode>();
  walk.full(ast, (n) => {
    const node = n as AnyNode;
    if (seen.has(node)) return;
    seen.add(node);
    visit(node);
  });
  return violations.sort((a, b) => a.line - b.line || a.column - b.column);
}
