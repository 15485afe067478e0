/**
 * The build passes that cut the firmware's RAM (firmware/memory-passes.ts): literal constants
 * written where they are read, operations on integer literals folded to their value, and "lazy"
 * loaders that own the code only they reach.
 */
import { describe, expect, it } from 'vitest';
import { foldConstants, inlineConstants, releaseBootOnly, splitLazyGroups, type LazyGroups } from '../../firmware/memory-passes.ts';
import { dropUnused } from '../../firmware/build.ts';

describe('inlineConstants', () => {
  it('writes never-reassigned literal constants into their readers, through chains', () => {
    const out = inlineConstants('var A = 3;\nvar B = A * 2;\nvar S = "x";\nfunction f() { return B + S.length + A; }\n');
    expect(out).toContain('return (3 * 2) + "x".length + 3;');
  });

  it('leaves reassigned, shadowed, non-literal and property uses alone', () => {
    const src = 'var R = 1;\nR = 2;\nvar SH = 5;\nvar T = new Int32Array(2);\nvar P = 7;\nfunction g(SH) { return SH + R + T[0] + o.P; }\n';
    const out = inlineConstants(src);
    expect(out).toContain('return SH + R + T[0] + o.P;');
  });
});

describe('foldConstants', () => {
  it('writes operations on integer literals as their value, as inlining named offsets leaves them', () => {
    const out = foldConstants(inlineConstants('var HB_LAST = 13;\nvar F = 0x20 | 0x40;\nfunction f(hb, x) { hb[HB_LAST + 1] = x & ~(1 << 1); return x & F; }\n'));
    expect(out).toContain('hb[14] = x & ~(2); return x & (96);');
    expect(foldConstants('y = ((4 + 2) * p + 100) / q;')).toBe('y = ((6) * p + 100) / q;');
    expect(foldConstants('y = 7 % 4 - 8 >>> 1 ^ 3 >> 1;')).toBe(`y = ${(7 % 4 - 8) >>> 1 ^ 3 >> 1};`);
  });

  it('writes a negative value in parentheses so no operator runs into its sign', () => {
    const out = foldConstants('function f(a) { return a-2*-3; }\n');
    expect(out).toContain('return a-(-6);');
    expect(new Function(out + 'return f(1);')()).toBe(7);
  });

  it('leaves division, floats, strings, out-of-int32 results and identifiers as written', () => {
    const src = 'a = 8 / 2; b = 1.5 * 2; c = "x" + 1 + 2; d = 0x7fffffff * 4; e = n + 1 + 2; f = 0 * -1; g = 5 % 0;';
    expect(foldConstants(src)).toBe(src);
  });

  it('keeps what the program computes', () => {
    const src = 'var r = [13 + 1, 1 << 31, -1 >>> 0, ~5 & 0xff, (3 - 8) * 2, 2 + 3 + "s", 100 - 1 - 2];';
    const out = foldConstants(src);
    expect(out).not.toMatch(/\d \+ \d|<<|>>>|~5/);
    expect(new Function(out + 'return r;')()).toEqual(new Function(src + 'return r;')());
  });
});

describe('splitLazyGroups', () => {
  const src = [
    'function shared() { return 1; }',
    'function onlyA() { return helperA() + shared(); }',
    'function helperA() { return 2; }',
    'var TABLE_A = [1, 2];',
    'function useTable() { return TABLE_A[0]; }',
    'function onlyB() { return shared(); }',
    'function alwaysUsed() { return 3; }',
    'function loadA() {\n"lazy";\nreturn { a: onlyA, t: useTable };\n}',
    'function loadB() {\n"lazy";\nreturn onlyB;\n}',
    'function both() { return loadA().a() + loadB()(); }',
    'print(alwaysUsed() + both() + shared());',
  ].join('\n');

  it('moves what only one loader reaches into it and keeps the rest at the top', () => {
    const report: LazyGroups = new Map();
    const out = splitLazyGroups(src, new Set(), report);
    expect(report.get('loadA')!.sort()).toEqual(['TABLE_A', 'helperA', 'onlyA', 'useTable']);
    expect(report.get('loadB')).toEqual(['onlyB']);
    // What always-running code uses stays top-level, and so does the loaders' shared code.
    expect(out).toMatch(/^function shared\(\)/m);
    expect(out).toMatch(/^function alwaysUsed\(\)/m);
    expect(out.indexOf('function onlyA')).toBeGreaterThan(out.indexOf('function loadA'));
    expect(out.indexOf('function onlyB')).toBeGreaterThan(out.indexOf('function loadB'));
    expect(out).not.toMatch(/"lazy"/);
    // The program still computes the same thing.
    const run = (code: string): number => {
      let got = 0;
      new Function('print', code)((v: number) => (got = v));
      return got;
    };
    expect(run(out)).toBe(run(src));
    expect(run(out)).toBe(3 + 1 + 2 + 1 + 1);
  });

  it('treats code two loaders reach as shared', () => {
    const report: LazyGroups = new Map();
    splitLazyGroups('function h() { return 1; }\nfunction l1() {\n"lazy";\nreturn h;\n}\nfunction l2() {\n"lazy";\nreturn h;\n}\nl1()(); l2()();\n', new Set(), report);
    expect(report.get('l1')).toEqual([]);
    expect(report.get('l2')).toEqual([]);
  });

  it('does not count a local that shares a top-level name as a use of it', () => {
    // l2's helper only shares the name `answer` with l1's: answer stays in l1's group.
    const code = 'function answer() { return 1; }\nfunction l1() {\n"lazy";\nreturn answer;\n}\nfunction h2(x) { var answer = x; try { return answer; } catch (answer) { return answer; } }\nfunction l2() {\n"lazy";\nreturn h2;\n}\nl1()(); l2()(1);\n';
    const report: LazyGroups = new Map();
    splitLazyGroups(code, new Set(), report);
    expect(report.get('l1')).toEqual(['answer']);
    expect(report.get('l2')).toEqual(['h2']);
  });

  it('leaves a program without loaders unchanged', () => {
    const s = 'function a() {}\na();\n';
    expect(splitLazyGroups(s, new Set())).toBe(s);
  });
});

describe('dropUnused', () => {
  it('drops a function whose only "uses" are locals of the same name', () => {
    const out = dropUnused('function out() { return 1; }\nfunction f(out) { var x = out; return x; }\nf(2);\n', new Set());
    expect(out).not.toContain('function out()');
    expect(out).toContain('function f(out)');
  });
});

describe('releaseBootOnly', () => {
  const src = 'function make() {\n"boot";\nvar n = 0;\nreturn function () { return ++n; };\n}\nfunction tick() { return 1; }\nvar counter = make();\nprint(counter() + counter() + tick());\n';

  it('sets "boot" functions to undefined after the last top-level statement that calls one; their closures keep working', () => {
    const names: string[] = [];
    const out = releaseBootOnly(src, names);
    expect(names).toEqual(['make']);
    expect(out).not.toContain('"boot"');
    expect(out).toMatch(/var counter = make\(\);\nmake = undefined;/);
    let got = 0;
    new Function('print', out)((v: number) => (got = v));
    expect(got).toBe(1 + 2 + 1);
  });

  it('leaves a program that never calls a "boot" function at its top level as it is', () => {
    const probe = 'function make() {\n"boot";\nreturn 1;\n}\nfunction run() { return make(); }\n';
    expect(releaseBootOnly(probe)).toBe(probe);
  });
});
