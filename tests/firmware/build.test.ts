/**
 * firmware/build.ts on small module trees in a temp dir: dependency order, hoisting (with the
 * "jit" directive kept first), dead-code removal, and every refusal (helpers, foreign imports and
 * requires, name collisions, renamed imports, cycles).
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFirmware, hoistFunctionDeclarations } from '../../firmware/build.ts';
import { checkEspruinoSource } from './espruino-check.ts';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** Writes files (path -> text) and builds from main.ts; returns the output without its header line. */
function build(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tripod-build-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const out = join(dir, 'out.js');
  buildFirmware(join(dir, 'main.ts'), out);
  return readFileSync(out, 'utf8').split('\n').slice(1).join('\n');
}

describe('firmware build', () => {
  it('orders modules after their imports, strips module syntax and hoists every function declaration', () => {
    const js = build({
      'main.ts': "import { twice } from './lib/math.ts';\nrun();\nfunction run(): void { print(String(twice(2))); }\n",
      'lib/math.ts': "import { ONE } from './one.ts';\nexport const K = 2 * ONE;\nexport function twice(x: number): number { return inner(x) * K; function inner(y: number): number { return y; } }\n",
      'lib/one.ts': 'export const ONE = 1;\n',
    });
    expect(js).not.toMatch(/\bimport\b|\bexport\b/);
    const lines = js.split('\n');
    expect(lines[0]).toMatch(/^function twice\(x\) \{$/);
    expect(lines[1]).toBe('function inner(y) {');
    // Literal constants are written where they are read (memory-passes.ts inlineConstants) and
    // operations on literals folded (foldConstants), so no variable is left for ONE or K.
    expect(js).toMatch(/return inner\(x\) \* \(2\);/);
    expect(js).not.toMatch(/var ONE|var K\b/);
    expect(js.indexOf('function run()')).toBeLessThan(js.indexOf('run();'));
    expect(checkEspruinoSource(js)).toEqual([]);
  });

  it('keeps the "jit" directive first when hoisting a nested function and strips comments', () => {
    const out = hoistFunctionDeclarations('function f(a) {\n"jit";\nvar x = g(a);\nfunction g(b) { return b; }\n}\n');
    expect(out).toMatch(/^function f\(a\) \{\n"jit";\nfunction g\(b\)/);
    const js = build({ 'main.ts': 'export function f(a: number): void {\n  "jit";\n  // a comment\n  digitalWrite(a, 1);\n}\nf(1);\n' });
    expect(js).toMatch(/function f\(a\) \{\n"jit";\ndigitalWrite\(a, 1\);\n\}/);
    expect(js).not.toMatch(/comment/);
  });

  it('drops top-level code nothing uses but keeps the entry module\'s functions and side effects', () => {
    const js = build({
      'main.ts': "import { used } from './lib.ts';\nexport const ENTRY_CONST = 5;\nexport function entryFn(): void {}\nused();\n",
      'lib.ts': 'export const UNUSED = 7;\nexport const TABLE = new Uint8Array(4);\nexport function used(): void { print(String(TABLE[0])); }\nexport function unused(): void { helperOfUnused(); }\nfunction helperOfUnused(): void {}\nexport const SIDE = print("boot");\n',
    });
    expect(js).toMatch(/function used\(\)/);
    expect(js).toMatch(/var TABLE = new Uint8Array\(4\);/);
    expect(js).toMatch(/function entryFn\(\)/);
    expect(js).not.toMatch(/ENTRY_CONST/);
    expect(js).toMatch(/print\("boot"\)/);
    expect(js).not.toMatch(/UNUSED|function unused|helperOfUnused/);
  });

  const refusals: Array<[string, Record<string, string>, RegExp]> = [
    ['class extends (needs __extends)', { 'main.ts': 'class A {}\nclass B extends A {}\nnew B();\n' }, /TypeScript helper __extends/],
    ['array spread (needs __spreadArray)', { 'main.ts': 'const a = [1, 2];\nconst b = [...a, 3];\nprint(String(b));\n' }, /TypeScript helper __spread/],
    ['async (needs __awaiter)', { 'main.ts': 'async function f(): Promise<void> {}\nf();\n' }, /TypeScript helper __/],
    ['a package import', { 'main.ts': "import { x } from 'somepkg';\nprint(x);\n" }, /imports 'somepkg'/],
    ['require of a non-built-in module', { 'main.ts': 'const fs = (require as any)("fs");\nprint(fs);\n' }, /requires 'fs'/],
    ['the same top-level name in two modules', { 'main.ts': "import { a } from './a.ts';\nfunction helper(): void {}\nhelper();\na();\n", 'a.ts': 'function helper(): void {}\nexport function a(): void { helper(); }\n' }, /'helper' is declared in both/],
    ['a renamed import', { 'main.ts': "import { a as b } from './a.ts';\nb();\n", 'a.ts': 'export function a(): void {}\n' }, /without 'as'/],
    ['an import cycle', { 'main.ts': "import { a } from './a.ts';\nexport function m(): void {}\na();\n", 'a.ts': "import { m } from './main.ts';\nexport function a(): void { m(); }\n" }, /import cycle/],
  ];
  for (const [what, files, message] of refusals) {
    it(`refuses ${what}`, () => {
      expect(() => build(files)).toThrow(message);
    });
  }
});
