/**
 * firmware/native/build.ts: the committed firmware/src/native-code.ts is what a fresh build of
 * firmware/native/*.c gives (`--check`, as CI runs it; without clang-14 this fails, it does not
 * skip), the build is deterministic, and it refuses code that could not run from an arbitrary RAM
 * address through E.nativeCall: data sections, relocations, runtime helpers, library calls.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileNative, renderNativeCode } from '../../firmware/native/build.ts';
import { NATIVE_CODE_BYTES, NATIVE_ENTRY } from '../../firmware/src/native-code.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const BUILD = join(REPO, 'firmware', 'native', 'build.ts');
const tmp = mkdtempSync(join(tmpdir(), 'tripod-native-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs build.ts as the CLI (node + tsx), with an optional PATH. */
function cli(args: string[], path?: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BUILD, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: path === undefined ? process.env : { ...process.env, PATH: path },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Compiles one C file (an entry defining tripod_native) in its own folder; returns the error or ''. */
function buildError(name: string, body: string): string {
  const dir = mkdtempSync(join(tmp, `${name}-`));
  const file = join(dir, 'entry.c');
  writeFileSync(file, body);
  try {
    compileNative(file);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('npm run build:native', () => {
  it('--check: the committed native-code.ts is a fresh build of firmware/native/*.c', () => {
    const r = cli(['--check']);
    expect(r.out).toContain('up to date');
    expect(r.status).toBe(0);
  }, 60_000);

  it('is deterministic and matches the committed exports', () => {
    const a = compileNative();
    const b = compileNative();
    expect(renderNativeCode(a)).toBe(renderNativeCode(b));
    expect(a.code.length).toBe(NATIVE_CODE_BYTES);
    expect(a.entry).toBe(NATIVE_ENTRY);
    expect(a.code.length % 2).toBe(0);
  }, 60_000);

  it('--check fails with a one-line message when the file differs', () => {
    const out = join(tmp, 'stale-native-code.ts');
    writeFileSync(out, readFileSync(join(REPO, 'firmware', 'src', 'native-code.ts'), 'utf8').replace('NATIVE_ENTRY = ', 'NATIVE_ENTRY = 1 + '));
    const r = cli(['--check', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.out.trim()).toMatch(/^build:native: .*stale-native-code\.ts differs from a fresh build .*: run npm run build:native and commit it$/);
  }, 60_000);

  it('without clang-14 it fails naming the packages to install', () => {
    const r = cli(['--check'], join(tmp, 'no-such-bin'));
    expect(r.status).toBe(1);
    expect(r.out.trim()).toBe("build:native: clang-14 not found: install Debian's clang-14 and llvm-14 (apt-get install clang-14 llvm-14)");
  }, 60_000);
});

describe('build:native refuses code that cannot run from RAM as .text alone', () => {
  const ok = 'int tripod_native(int op, int a, int b) { return op + a * b; }\n';

  it('accepts plain arithmetic (the control case)', () => {
    expect(buildError('ok', ok)).toBe('');
  });

  it('a global variable (.bss)', () => {
    expect(buildError('bss', `static int calls;\n${ok.replace('return', 'calls++; return')}`)).toMatch(/^build:native: section \.bss .* only \.text is copied/);
  });

  it('an initialised global (.data)', () => {
    expect(buildError('data', `int mode = 3;\n${ok.replace('return op', 'return mode + op')}`)).toMatch(/^build:native: section \.data .* only \.text is copied/);
  });

  it('a constant table (.rodata)', () => {
    const src = 'int tripod_native(int op, int a, int b) { static const int t[5] = {3, 1, 4, 1, 5}; return t[op & 3] + t[(a & 1) + 1] + b; }\n';
    expect(buildError('rodata', src)).toMatch(/^build:native: section \.rodata .* only \.text is copied/);
  });

  it('an absolute address inside the code (relocation against .text)', () => {
    const src = 'static int h(int a) { return a + 1; }\nint tripod_native(int op, int a, int b) { int (*volatile f)(int) = h; return f(a) + op + b; }\n';
    expect(buildError('reloc', src)).toMatch(/^build:native: relocation section \.rel\.text in the object/);
  });

  it('a division (runtime helper __aeabi_idiv)', () => {
    expect(buildError('div', 'int tripod_native(int op, int a, int b) { return a / b + op; }\n')).toMatch(/^build:native: the code calls the runtime helper __aeabi_idiv/);
  });

  it('a call to a library function', () => {
    const src = 'void *memcpy(void *d, const void *s, unsigned n);\nint tripod_native(int op, int a, int b) { memcpy((void *)a, (void *)b, (unsigned)op); return 0; }\n';
    expect(buildError('libc', src)).toMatch(/^build:native: the code calls the outside function memcpy/);
  });

  it('no tripod_native', () => {
    expect(buildError('noentry', 'int other(int a) { return a; }\n')).toBe('build:native: entry.c defines no function tripod_native');
  });

  it('a compile error is reported on one line', () => {
    const msg = buildError('syntax', 'int tripod_native(int op, int a, int b) { return op + ; }\n');
    expect(msg).toMatch(/^build:native: clang-14 failed: .*error/);
    expect(msg).not.toContain('\n');
  });
});
