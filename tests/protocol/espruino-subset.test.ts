/**
 * The protocol files the firmware imports must run on Espruino (firmware/ESPRUINO.md): compiled by
 * TypeScript 5.9.3 to ES5 they must need no helper (spread, rest, destructuring of iterables, async,
 * classes with extends, for-of over non-arrays) and must not touch what the device lacks
 * (Map/Set/Symbol/..., Array.from, Math.imul, Number.isInteger, typed-array slice returning an Array, ...).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ESPRUINO_SAFE_FILES = ['constants.ts', 'crc.ts', 'frame-encoder.ts', 'frame-encoder2.ts', 'frame-encoder-api.ts', 'control-types.ts', 'control.ts', 'serial-framing.ts'];

const FORBIDDEN_GLOBALS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Proxy', 'Reflect', 'RangeError', 'TextEncoder', 'TextDecoder', 'BigInt', 'Buffer', 'process', 'require']);
const FORBIDDEN_MEMBERS: Record<string, string[]> = {
  Array: ['from', 'of'],
  Math: ['imul', 'clz32', 'trunc', 'log2', 'log10', 'hypot', 'fround', 'cbrt', 'sign'],
  Number: ['isFinite', 'isInteger', 'isNaN', 'EPSILON', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'parseFloat', 'parseInt'],
  Object: ['freeze', 'is'],
  ArrayBuffer: ['isView'],
  Promise: ['race', 'allSettled', 'any'],
};
const FORBIDDEN_METHODS = new Set(['flat', 'flatMap', 'at', 'lastIndexOf', 'reduceRight', 'finally', 'trimStart', 'trimEnd', 'codePointAt', 'slice', 'copyWithin', 'padStart', 'padEnd']);
const HELPERS = ['__spreadArray', '__assign', '__rest', '__extends', '__awaiter', '__generator', '__values', '__read', '__makeTemplateObject', '__classPrivateField'];

function es5(src: string): string {
  const out = ts.transpileModule(src, {
    compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.ESNext, removeComments: true },
    reportDiagnostics: true,
  });
  return out.outputText;
}

function problems(src: string): string[] {
  const js = es5(src);
  const found: string[] = [];
  for (const h of HELPERS) if (js.includes(h)) found.push(`needs TypeScript helper ${h}`);
  const ast = acorn.parse(js, { ecmaVersion: 2020, sourceType: 'module', locations: true });
  walk.full(ast, (node: any) => {
    const at = `line ${node.loc?.start.line}`;
    if (node.type === 'Identifier' && FORBIDDEN_GLOBALS.has(node.name)) found.push(`${at}: uses ${node.name}`);
    if (node.type === 'MemberExpression' && !node.computed) {
      const obj = node.object.type === 'Identifier' ? node.object.name : null;
      const prop = node.property.name as string;
      if (obj && FORBIDDEN_MEMBERS[obj]?.includes(prop)) found.push(`${at}: uses ${obj}.${prop}`);
      if (FORBIDDEN_METHODS.has(prop)) found.push(`${at}: uses .${prop}`);
      if (prop === 'BYTES_PER_ELEMENT') found.push(`${at}: uses BYTES_PER_ELEMENT`);
    }
    if (node.type === 'LabeledStatement') found.push(`${at}: labelled statement`);
    if (node.type === 'TaggedTemplateExpression' || node.type === 'TemplateLiteral') found.push(`${at}: template literal`);
    if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') found.push(`${at}: class in ES5 output`);
    if (['ArrowFunctionExpression', 'SpreadElement', 'RestElement', 'ObjectPattern', 'ArrayPattern', 'AssignmentPattern', 'ChainExpression', 'AwaitExpression', 'YieldExpression'].includes(node.type)) {
      found.push(`${at}: ${node.type} survived the ES5 build`);
    }
    if (node.type === 'LogicalExpression' && node.operator === '??') found.push(`${at}: ?? survived`);
    if (node.type === 'BinaryExpression' && node.operator === '**') found.push(`${at}: ** survived`);
    if (node.type === 'VariableDeclaration' && node.kind !== 'var') found.push(`${at}: ${node.kind} survived`);
  });
  return found;
}

describe('Espruino-safe protocol files', () => {
  for (const file of ESPRUINO_SAFE_FILES) {
    it(`${file} compiles to ES5 with nothing Espruino lacks`, () => {
      expect(problems(readFileSync(join(ROOT, 'protocol', file), 'utf8'))).toEqual([]);
    });
  }

  it('the hot functions avoid what Espruino\'s "jit" rejects (break, continue, switch, try, nested functions, typeof, in, templates, arrows)', () => {
    const js = es5(readFileSync(join(ROOT, 'protocol', 'frame-encoder.ts'), 'utf8'));
    const ast = acorn.parse(js, { ecmaVersion: 2020, sourceType: 'module' }) as any;
    const hot = new Set(['packResiduals', 'packBits', 'add1', 'add2', 'push1', 'push2', 'addSlow', 'prepFrame', 'fillFrame', 'encodeKeyFrame']);
    const seen: string[] = [];
    walk.full(ast, (node: any) => {
      if (node.type !== 'FunctionDeclaration' || !hot.has(node.id.name)) return;
      seen.push(node.id.name);
      walk.full(node.body, (x: any) => {
        const bad =
          ['BreakStatement', 'ContinueStatement', 'SwitchStatement', 'TryStatement', 'FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'TemplateLiteral'].includes(x.type) ||
          (x.type === 'UnaryExpression' && x.operator === 'typeof') ||
          (x.type === 'BinaryExpression' && x.operator === 'in');
        if (bad) throw new Error(`${node.id.name} uses ${x.type}${x.operator ? ' ' + x.operator : ''}, which Espruino's jit rejects`);
      });
    });
    expect(seen.sort()).toEqual([...hot].sort());
  });

  it('the hot functions use only what the JIT README lists as compiled (no return, new, while), and none is marked "jit"', () => {
    // Written in the JIT's subset so that a board with RAM to spare could mark them again; not marked:
    // compiled, they held about 1,850 variables of machine code (firmware/README.md "The JIT's RAM").
    const js = es5(readFileSync(join(ROOT, 'protocol', 'frame-encoder.ts'), 'utf8'));
    const ast = acorn.parse(js, { ecmaVersion: 2020, sourceType: 'module' }) as any;
    const hot = new Set(['addSlow', 'fillFrame', 'packBits', 'prepFrame', 'push1', 'push2']);
    const seen: string[] = [];
    const marked: string[] = [];
    walk.full(ast, (node: any) => {
      if (node.type !== 'FunctionDeclaration') return;
      if (node.body.body[0]?.directive === 'jit') marked.push(node.id.name);
      if (!hot.has(node.id.name)) return;
      seen.push(node.id.name);
      walk.full(node.body, (x: any) => {
        if (['ReturnStatement', 'NewExpression', 'WhileStatement', 'DoWhileStatement', 'ForInStatement'].includes(x.type)) {
          throw new Error(`hot function ${node.id.name} uses ${x.type}, which the JIT does not compile`);
        }
      });
    });
    expect(seen.sort()).toEqual([...hot].sort());
    expect(marked).toEqual([]);
  });

  it('imports only other Espruino-safe protocol files', () => {
    for (const file of ESPRUINO_SAFE_FILES) {
      const src = readFileSync(join(ROOT, 'protocol', file), 'utf8');
      for (const m of src.matchAll(/from '([^']+)'/g)) {
        const target = m[1]!.replace(/^\.\//, '');
        expect(ESPRUINO_SAFE_FILES.includes(target), `${file} imports ${m[1]}`).toBe(true);
      }
    }
  });

  it('the checker catches what it should (a file with forbidden things)', () => {
    const bad = [
      'export const a = new Map();',
      'export function f(x: number, ...r: number[]) { return [...r, Math.imul(x, 2), new Uint8Array(2).slice(0), Array.from(r)]; }',
      'export function g(o: { k?: { z: number } }) { return o.k?.z ?? Number.isInteger(2); }',
      'outer: for (var i = 0; i < 2; i++) { break outer; }',
    ].join('\n');
    const found = problems(bad).join('\n');
    for (const what of ['__spreadArray', 'uses Map', 'Math.imul', '.slice', 'Array.from', 'Number.isInteger', 'labelled']) {
      expect(found).toContain(what);
    }
  });
});
