/**
 * The checker itself: every rule fails on a small snippet that breaks it, and a snippet using only
 * what firmware/ESPRUINO.md says works passes clean.
 */
import { describe, expect, it } from 'vitest';
import { checkEspruinoSource } from './espruino-check.ts';

function rules(src: string): string[] {
  return [...new Set(checkEspruinoSource(src).map((v) => v.rule))].sort();
}

const BAD: Array<[rule: string, snippet: string]> = [
  ['es5-syntax', 'let x = 1;'],
  ['es5-syntax', 'var f = (a) => a;'],
  ['es5-syntax', 'class A {}'],
  ['es5-syntax', 'var s = `x`;'],
  ['es5-syntax', 'function f(a) { var b = a ?? 1; return b; }'],
  ['es5-syntax', 'function f(a) { return a?.b; }'],
  ['es5-syntax', 'var x = 2 ** 3;'],
  ['es5-syntax', 'function f(a) { var b = [...a]; return b; }'],
  ['absent-global', 'var m = new Map();'],
  ['absent-global', 'var s = new Set();'],
  ['absent-global', 'var w = new WeakMap();'],
  ['absent-global', 'var s = Symbol("x");'],
  ['absent-global', 'var p = new Proxy({}, {});'],
  ['absent-global', 'var k = Reflect.ownKeys({});'],
  ['absent-global', 'var e = new RangeError("x");'],
  ['absent-global', 'var t = new TextEncoder();'],
  ['absent-global', 'undeclaredThing();'],
  ['absent-member', 'var a = Array.from([1]);'],
  ['absent-member', 'var a = Array.of(1);'],
  ['absent-member', 'var a = Uint8Array.from([1]);'],
  ['absent-member', 'var a = Number.isFinite(1);'],
  ['absent-member', 'var a = Number.isInteger(1);'],
  ['absent-member', 'var a = Number.isNaN(1);'],
  ['absent-member', 'var a = Number.EPSILON;'],
  ['absent-member', 'var a = Number.MAX_SAFE_INTEGER;'],
  ['absent-member', 'var a = Math.imul(2, 3);'],
  ['absent-member', 'var a = Math.clz32(2);'],
  ['absent-member', 'var a = Math.trunc(2.5);'],
  ['absent-member', 'var a = Math.log2(2);'],
  ['absent-member', 'var a = Math.log10(2);'],
  ['absent-member', 'var a = Math.hypot(2, 3);'],
  ['absent-member', 'var a = Math.fround(2);'],
  ['absent-member', 'var a = Math.cbrt(2);'],
  ['absent-member', 'var a = Object.freeze({});'],
  ['absent-member', 'var a = Object.is(1, 1);'],
  ['absent-member', 'var a = ArrayBuffer.isView(null);'],
  ['absent-member', 'var a = Promise.race([]);'],
  ['absent-member', 'var a = Promise.allSettled([]);'],
  ['absent-member', 'var a = Promise.any([]);'],
  ['absent-member', 'var a = E.CRC16("x");'],
  ['absent-method', 'var a = [[1]].flat();'],
  ['absent-method', 'var a = [1].at(-1);'],
  ['absent-method', 'var a = [1].lastIndexOf(1);'],
  ['absent-method', 'var a = [1].reduceRight(function (x, y) { return x + y; });'],
  ['absent-method', 'var a = Promise.resolve(1).finally(function () {});'],
  ['absent-method', 'var a = " x".trimStart();'],
  ['absent-method', 'var a = "x ".trimEnd();'],
  ['absent-method', 'var a = "x".codePointAt(0);'],
  ['absent-method', 'var a = new Uint8Array(2).BYTES_PER_ELEMENT;'],
  ['absent-method', 'var a = [1].entries();'],
  ['prototype-builtin', 'function f() { return Array.prototype.slice.call(arguments); }'],
  ['prototype-builtin', 'var s = ArrayBuffer.prototype.slice;'],
  ['length-assign', 'var a = [1, 2]; a.length = 0;'],
  ['label', 'outer: for (var i = 0; i < 2; i++) { break outer; }'],
  ['array-hole', 'var a = [1, , 3];'],
  ['use-before-declaration', 'f(); function f() {}'],
  ['use-before-declaration', 'x = 1; var x;'],
  ['use-before-declaration', 'function g() { var y = z + 1; var z = 2; return y; }'],
  ['use-before-declaration', '(function () { f(); })(); function f() {}'],
  ['loop-closure', 'var fs = []; for (var i = 0; i < 3; i++) { fs.push(function () { return i; }); }'],
  ['loop-closure', 'var o = {}; var fs = []; for (var k in o) { fs.push(function () { return k; }); }'],
  ['loop-closure', 'var n = 3; var fs = []; while (n > 0) { n--; fs.push(function () { return n; }); }'],
  ['loop-closure', 'var _loop_1 = function (i) {}; for (var i = 0; i < 3; i++) { _loop_1(i); }'],
  ['require', 'var fs = require("fs");'],
  ['moves-memory', 'E.defrag();'],
  ['moves-memory', 'var f = E.toFlatString("abc");'],
  ['require', 'var r = require;'],
  ['require', 'var m = require("Storage", 1);'],
  ['ts-helper', 'var __extends = 1; var B = (function (_super) { __extends(B, _super); function B() {} return B; })(Object);'],
  ['ts-helper', 'function f() { return __awaiter(this, void 0, void 0, function () {}); } var __awaiter = 0;'],
  ['function-name', 'function f() {} var n = f.name;'],
  ['function-name', 'var o = {}; var n = o.constructor.name;'],
  ['function-name', 'var g = function () {}; function h() { return g.name; }'],
  ['function-name', 'function f() { return arguments.callee; }'],
  ['json-replacer', 'var s = JSON.stringify({}, null, 2);'],
  ['json-replacer', 'var o = JSON.parse("{}", function (k, v) { return v; });'],
  ['return-newline', 'function f() { return\n1; }'],
  ['to-fixed', 'var s = (1.5).toFixed(1);'],
  ['with', 'var o = {}; with (o) { print(1); }'],
  ['eval', 'eval("1");'],
  ['eval', 'var f = new Function("return 1");'],
  ['jit', 'function f(a) { "jit"; for (var i = 0; i < 2; i++) { if (a) break; } }'],
  ['jit', 'function f(a) { "jit"; switch (a) { case 1: a = 2; } }'],
  ['jit', 'function f(a) { "jit"; var g = function () {}; }'],
  ['jit', 'function f(a) { "jit"; try { a(); } catch (e) {} }'],
  ['jit', 'function f(a) { "jit"; var t = typeof a; }'],
  ['jit', 'function f(a) { "jit"; var t = "x" in a; }'],
  ['jit', 'function f(a) { "jit"; while (a) { a--; } }'],
  ['jit', 'function f(a) { "jit"; return a; }'],
];

describe('espruino-check: every rule fails on a snippet that breaks it', () => {
  for (const [rule, snippet] of BAD) {
    it(`${rule}: ${JSON.stringify(snippet)}`, () => {
      expect(rules(snippet)).toContain(rule);
    });
  }
  it('each rule named in the header has at least one failing snippet', () => {
    const covered = new Set(BAD.map(([r]) => r));
    for (const r of ['es5-syntax', 'absent-global', 'absent-member', 'absent-method', 'prototype-builtin', 'length-assign', 'label', 'array-hole', 'use-before-declaration', 'loop-closure', 'require', 'ts-helper', 'function-name', 'json-replacer', 'return-newline', 'to-fixed', 'with', 'eval', 'jit']) {
      expect(covered.has(r), r).toBe(true);
    }
  });
});

describe('espruino-check: what ESPRUINO.md says works passes clean', () => {
  it('function-name resolves names in scope: a variable that shares a function\'s name elsewhere may have .name', () => {
    expect(rules('function e() {} function k(e) { return e.name; } var s = { name: "x" }; function m() { var e = s; return e.name; }')).not.toContain('function-name');
  });

  it('accepts a realistic ES5 snippet', () => {
    const good = [
      'function read(sck, douts, out) {',
      '  "jit";',
      '  var p = digitalPulse;',
      '  for (var i = 0; i < 24; i++) { p(sck, 1, 0.01); out[i] = digitalRead(douts) & 15; }',
      '  p(sck, 1, 0.01);',
      '}',
      'function later() { return helper() + 1; }',
      'function helper() { return 2; }',
      'var Storage = require("Storage");',
      'var BUF = new Uint8Array(20);',
      'var keys = Object.keys({ a: 1 });',
      'var E1 = E.CRC32("x");',
      'var s = JSON.stringify({ a: 1 });',
      'var arr = [1, 2, 3]; arr.splice(0, 1); var args = function () { return [].slice.call(arguments); };',
      'var Kind;',
      '(function (Kind) { Kind[Kind["A"] = 0] = "A"; })(Kind || (Kind = {}));',
      'var pins = [D1, D2, LED1];',
      'function make(i) { return function () { return i; }; }',
      'var fns = []; for (var j = 0; j < 3; j++) { fns.push(make(j)); }',
      'try { later(); } catch (e) { print(e.message); }',
      'var n = { name: "Tripod" }.name;',
      'function f() { if (BUF[0]) return; return; }',
      'setInterval(function () { later(); }, 12.5);',
    ].join('\n');
    expect(checkEspruinoSource(good)).toEqual([]);
  });
});
