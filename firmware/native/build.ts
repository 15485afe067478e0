/**
 * `npm run build:native` (`tsx firmware/native/build.ts`): compiles firmware/native/entry.c (which
 * #includes hx711.c and encode.c) with Debian's clang-14 for ARMv6-M Thumb (Cortex-M0 subset: every
 * nRF52 runs it) and writes firmware/src/native-code.ts, the position-independent machine code the
 * firmware hands to `E.nativeCall(NATIVE_ENTRY + 1, "int(int,int,int)", atob(NATIVE_CODE_B64))`.
 *
 * The code is copied to an arbitrary RAM address on the device, so only `.text` is kept and the build
 * fails (one line naming the problem) when the object has:
 * - a relocation against .text (a call to an outside function or an absolute address);
 * - any other allocated section with bytes (.data, .bss, .rodata, string literals, switch tables...):
 *   the code would reference memory that is not copied (.ARM.exidx, the unwind index clang emits for
 *   every function even with -fno-unwind-tables, is not part of the code and is dropped);
 * - an undefined symbol, e.g. a runtime helper __aeabi_idiv (division), __aeabi_llsl (64-bit shift)
 *   or memcpy/memset (a struct copy or a loop clang recognised);
 * - a missing tripod_native symbol.
 * Output is deterministic (same sources and compiler -> same bytes): the file has no date or path.
 *
 * Usage: `tsx firmware/native/build.ts` writes the file; `--check` rebuilds in memory and exits 1
 * when the committed file differs (CI; tests/firmware/native-build.test.ts); `--entry FILE` and
 * `--out FILE` override the paths (tests and local experiments).
 * Library: `compileNative(entryFile)` -> NativeBuild, `renderNativeCode(build)` -> file text.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
export const DEFAULT_ENTRY = join(HERE, 'entry.c');
export const DEFAULT_OUT = join(REPO, 'firmware', 'src', 'native-code.ts');
/** Value op 0 (NAT_ABI) returns; the firmware refuses code that answers anything else. */
export const NATIVE_ABI = 0x54520001;

export const CLANG = 'clang-14';
export const OBJCOPY = 'llvm-objcopy-14';
export const NM = 'llvm-nm-14';
/** The exact compiler flags the committed blob (firmware/src/native-code.ts) was built with. */
export const CLANG_FLAGS = [
  '--target=thumbv6m-none-eabi', '-mcpu=cortex-m0', '-mthumb', '-Oz', '-std=c11', '-ffreestanding',
  '-fno-builtin', '-nostdlib', '-fno-jump-tables', '-fomit-frame-pointer', '-fno-unwind-tables',
  '-fno-asynchronous-unwind-tables', '-Wall', '-Wextra', '-Werror', '-c',
];
const ENTRY_SYMBOL = 'tripod_native';
/** Allocated sections allowed in the object besides .text (dropped: not code). */
const IGNORED_ALLOC = new Set(['.ARM.exidx']);

export interface NativeBuild {
  /** The .text bytes (Thumb code, position independent). */
  code: Uint8Array;
  /** Byte offset of tripod_native in code (call with this + 1: Thumb). */
  entry: number;
  /** sha256 (hex) of the .c/.h files next to the entry file, sorted by name (see sourceHash). */
  sourceSha256: string;
  /** First line of `clang-14 --version`. */
  compiler: string;
  /** The shared blocks' word offsets: every `#define HB_* n` (hx711.c), `#define EB_* n` (encode.c) and `#define RB_* n` (ring.h), in file order. */
  layout: [string, number][];
}

/**
 * The HX block's, the encoder block's and the sample ring's layouts as the C sources define them
 * (`#define HB_NAME n`, `#define EB_NAME n`, `#define RB_NAME n` in the .c and .h files next to the
 * entry), so the TypeScript reads the same table (firmware/src/native-code.ts, generated) instead of
 * a copy of it.
 */
export function blockLayout(dir: string): [string, number][] {
  const out: [string, number][] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.c') || n.endsWith('.h')).sort()) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/^#define ((?:HB|EB|RB)_[A-Z0-9_]+) (\d+)\s*$/gm)) out.push([m[1]!, Number(m[2])]);
  }
  return out;
}

export class NativeBuildError extends Error {}

function fail(message: string): never {
  throw new NativeBuildError(`build:native: ${message}`);
}

function run(tool: string, args: string[]): string {
  try {
    return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; status?: number };
    if (err.code === 'ENOENT') fail(`${tool} not found: install Debian's clang-14 and llvm-14 (apt-get install clang-14 llvm-14)`);
    const first = String(err.stderr ?? '').split('\n').find((l) => l.trim() !== '') ?? `exit ${err.status}`;
    fail(`${tool} failed: ${first.trim()}`);
  }
}

/**
 * sha256 over the .c and .h files in the entry file's folder, sorted by name: for each file, its
 * name, a NUL, its bytes, a NUL.
 */
export function sourceHash(dir: string): string {
  const h = createHash('sha256');
  const files = readdirSync(dir).filter((f) => f.endsWith('.c') || f.endsWith('.h')).sort();
  for (const f of files) {
    h.update(f);
    h.update('\0');
    h.update(readFileSync(join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

interface ElfSection {
  name: string;
  type: number;
  flags: number;
  size: number;
  info: number;
}

const SHT_NOBITS = 8;
const SHT_REL = 9;
const SHT_RELA = 4;
const SHF_ALLOC = 2;

/** Section headers of an ELF32 little-endian relocatable object. */
export function elfSections(obj: Uint8Array): ElfSection[] {
  const dv = new DataView(obj.buffer, obj.byteOffset, obj.byteLength);
  if (obj.length < 52 || dv.getUint32(0, false) !== 0x7f454c46 || obj[4] !== 1 || obj[5] !== 1) {
    fail('compiler output is not an ELF32 little-endian object');
  }
  const shoff = dv.getUint32(32, true);
  const shentsize = dv.getUint16(46, true);
  const shnum = dv.getUint16(48, true);
  const shstrndx = dv.getUint16(50, true);
  const raw: Array<{ nameOff: number; type: number; flags: number; offset: number; size: number; info: number }> = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    raw.push({
      nameOff: dv.getUint32(o, true),
      type: dv.getUint32(o + 4, true),
      flags: dv.getUint32(o + 8, true),
      offset: dv.getUint32(o + 16, true),
      size: dv.getUint32(o + 20, true),
      info: dv.getUint32(o + 28, true),
    });
  }
  const strtab = raw[shstrndx];
  if (strtab === undefined) fail('compiler output has no section name table');
  const nameAt = (off: number): string => {
    let end = strtab.offset + off;
    while (end < obj.length && obj[end] !== 0) end++;
    return Buffer.from(obj.subarray(strtab.offset + off, end)).toString('latin1');
  };
  return raw.map((s) => ({ name: nameAt(s.nameOff), type: s.type, flags: s.flags, size: s.size, info: s.info }));
}

/** Checks the object's sections: .text only (see the file header). */
export function checkSections(sections: ElfSection[]): void {
  for (const s of sections) {
    if ((s.flags & SHF_ALLOC) === 0 || s.name === '.text' || IGNORED_ALLOC.has(s.name)) continue;
    if (s.size > 0) {
      const what = s.type === SHT_NOBITS ? 'zero-initialised data' : 'data or constants';
      fail(`section ${s.name} (${s.size} bytes of ${what}) in the object: only .text is copied to the device (no globals, static variables, string literals or constant tables)`);
    }
  }
  for (const s of sections) {
    if (s.type === SHT_REL || s.type === SHT_RELA) {
      const target = sections[s.info];
      if (target !== undefined && IGNORED_ALLOC.has(target.name)) continue;
      if (s.size > 0) fail(`relocation section ${s.name} in the object: the code calls or addresses something outside .text (no globals, no string or table constants, no library calls)`);
    }
  }
}

/** Undefined symbols and the entry offset from llvm-nm-14. */
function symbols(objFile: string): { undefined: string[]; entry: number | null } {
  const out = run(NM, ['--defined-only', '--no-sort', objFile]);
  let entry: number | null = null;
  for (const line of out.split('\n')) {
    const m = /^([0-9a-fA-F]+)\s+(\S)\s+(\S+)$/.exec(line.trim());
    if (m !== null && m[3] === ENTRY_SYMBOL && (m[2] === 'T' || m[2] === 't')) entry = parseInt(m[1] as string, 16);
  }
  const undef = run(NM, ['--undefined-only', '--no-sort', objFile])
    .split('\n')
    .map((l) => l.trim().split(/\s+/).pop() ?? '')
    .filter((l) => l !== '');
  return { undefined: undef, entry };
}

/** Compiles entryFile and returns the checked .text (throws NativeBuildError naming the problem). */
export function compileNative(entryFile: string = DEFAULT_ENTRY): NativeBuild {
  const compiler = run(CLANG, ['--version']).split('\n')[0]?.trim() ?? '';
  run(OBJCOPY, ['--version']);
  run(NM, ['--version']);
  const dir = mkdtempSync(join(tmpdir(), 'tripod-native-'));
  try {
    const obj = join(dir, 'native.o');
    const bin = join(dir, 'native.bin');
    run(CLANG, [...CLANG_FLAGS, entryFile, '-o', obj]);
    const syms = symbols(obj);
    if (syms.undefined.length > 0) {
      const name = syms.undefined[0] as string;
      if (name.startsWith('__aeabi_')) {
        fail(`the code calls the runtime helper ${name} (division, modulo, 64-bit shifts or floats are not available: there is no libgcc on the device)`);
      }
      fail(`the code calls the outside function ${name} (no libc: write it out, or make a loop that clang does not turn into ${name})`);
    }
    checkSections(elfSections(new Uint8Array(readFileSync(obj))));
    if (syms.entry === null) fail(`${basename(entryFile)} defines no function ${ENTRY_SYMBOL}`);
    run(OBJCOPY, ['-O', 'binary', '-j', '.text', obj, bin]);
    const code = new Uint8Array(readFileSync(bin));
    if (code.length === 0) fail('empty .text');
    return { code, entry: syms.entry, sourceSha256: sourceHash(dirname(entryFile)), compiler, layout: blockLayout(dirname(entryFile)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of firmware/src/native-code.ts for a build (Espruino-safe: constants only). */
export function renderNativeCode(b: NativeBuild): string {
  const b64 = Buffer.from(b.code).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 100) lines.push(b64.slice(i, i + 100));
  return [
    '/**',
    ' * GENERATED by firmware/native/build.ts from firmware/native/*.c: do not edit; run `npm run build:native`.',
    ' * ARMv6-M Thumb machine code (position independent, .text only) for',
    ' * E.nativeCall(NATIVE_ENTRY + 1, "int(int,int,int)", atob(NATIVE_CODE_B64)): tripod_native(op, a, b).',
    ' */',
    `export const NATIVE_CODE_B64 =\n  ${lines.map((l) => `'${l}'`).join(' +\n  ')};`,
    '/** Byte offset of tripod_native in the code (call NATIVE_ENTRY + 1: Thumb). */',
    `export const NATIVE_ENTRY = ${b.entry};`,
    '/** What op 0 (NAT_ABI) returns. */',
    `export const NATIVE_ABI = 0x${NATIVE_ABI.toString(16)};`,
    '/** Bytes of machine code. */',
    `export const NATIVE_CODE_BYTES = ${b.code.length};`,
    '/** sha256 of the firmware/native .c/.h sources (sorted by name; see build.ts sourceHash). */',
    `export const NATIVE_SOURCE_SHA256 = '${b.sourceSha256}';`,
    '/** The compiler that produced the code. */',
    `export const NATIVE_COMPILER = '${b.compiler.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}';`,
    '/** Word offsets in the HX block (hx711.c, HB_*), the encoder block (encode.c, EB_*) and the sample ring\'s state (ring.h, RB_*), from their #defines. */',
    ...b.layout.map(([name, v]) => `export const ${name} = ${v};`),
    '',
  ].join('\n');
}

function main(argv: string[]): number {
  let entry = DEFAULT_ENTRY;
  let out = DEFAULT_OUT;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') check = true;
    else if (a === '--entry' || a === '--out') {
      const v = argv[++i];
      if (v === undefined) {
        console.error(`build:native: ${a} needs a file path`);
        return 2;
      }
      if (a === '--entry') entry = resolve(v);
      else out = resolve(v);
    } else {
      console.error(`build:native: unknown argument ${a} (use --check, --entry FILE, --out FILE)`);
      return 2;
    }
  }
  let text: string;
  try {
    text = renderNativeCode(compileNative(entry));
  } catch (e) {
    console.error(e instanceof NativeBuildError ? e.message : `build:native: ${(e as Error).message}`);
    return 1;
  }
  const shown = relative(process.cwd(), out) || out;
  if (check) {
    let current = '';
    try {
      current = readFileSync(out, 'utf8');
    } catch {
      console.error(`build:native: ${shown} is missing: run npm run build:native and commit it`);
      return 1;
    }
    if (current !== text) {
      console.error(`build:native: ${shown} differs from a fresh build of ${relative(process.cwd(), entry) || entry}: run npm run build:native and commit it`);
      return 1;
    }
    console.log(`build:native: ${shown} is up to date`);
    return 0;
  }
  writeFileSync(out, text);
  console.log(`build:native: wrote ${shown}`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
