/**
 * The built firmware against the mechanical Espruino check (tests/firmware/espruino-check.ts):
 * parses as ECMAScript 5 and breaks none of the rules from firmware/ESPRUINO.md. Both files:
 * tripod.js (what the emulator runs) and tripod.min.js (what `tripod flash` uploads: the same
 * program in one function scope with short names), which must also fit a board's Storage.
 * Builds from firmware/src (the run's build, tests/firmware/harness.ts), so it checks the current
 * source, not a stale dist.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkEspruinoSource } from './espruino-check.ts';
import { firmwareSource, uploadSource } from './harness.ts';

let source = '';
let minSource = '';

beforeAll(() => {
  source = firmwareSource();
  minSource = uploadSource();
});

describe('built firmware is Espruino-compatible', () => {
  it('passes every rule of the mechanical check', () => {
    const violations = checkEspruinoSource(source);
    expect(violations.map((v) => `${v.line}:${v.column} ${v.rule}: ${v.message}`)).toEqual([]);
  });

  it('is one file with no require but Storage and no TypeScript helpers', () => {
    const requires = source.match(/require\(([^)]*)\)/g) ?? [];
    for (const r of requires) expect(r).toMatch(/^require\((['"])Storage\1\)$/);
    expect(source).not.toMatch(/\b__[a-zA-Z]+/);
    expect(source).not.toMatch(/\bimport\b|\bexport\b/);
  });

  it('keeps the "jit" directive first in the idle power-down (the one "jit" function) and hoists every function declaration', () => {
    expect(source).toMatch(/function hxPowerDownIfIdle\([^)]*\) \{\n"jit";\n/);
    const firstStatement = source.split('\n').find((l) => !l.startsWith('//'));
    expect(firstStatement).toMatch(/^function /);
  });

  it('the upload file (tripod.min.js) passes every rule too, keeps every "jit" directive and is one function scope', () => {
    const violations = checkEspruinoSource(minSource);
    expect(violations.map((v) => `${v.line}:${v.column} ${v.rule}: ${v.message}`)).toEqual([]);
    expect((minSource.match(/"jit"/g) ?? []).length).toBe((source.match(/"jit"/g) ?? []).length);
    expect(minSource.split('\n')[1]).toMatch(/^\(function\(\)\{/);
    expect(minSource.length).toBeLessThan(source.length * 0.7);
    expect(minSource).not.toMatch(/\bvoid\b|\breturn\}/);
  });

  it('carries no comments inside function bodies', () => {
    const body = source.split('\n').slice(1).join('\n');
    expect(body).not.toMatch(/\/\*|^\s*\/\//m);
  });
});
