/**
 * Compiles C for the nRF52's Thumb core at test time, with the flags of firmware/native/build.ts (CLANG_FLAGS):
 * clang-14 (thumbv6m, Cortex-M0, -Os, freestanding, no builtins, no jump tables) -> an ELF object
 * -> `llvm-objcopy-14 -O binary -j .text` -> the raw code, and `llvm-nm-14` for symbol offsets.
 * Anything the blob could not carry is an error, as it is for firmware/native/build.ts: a
 * relocation (a call to __aeabi_* helpers, memcpy, a global's address) or a non-empty
 * .data/.bss/.rodata section. clang-14 missing is a test failure, never a skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLANG_FLAGS = [
  '--target=thumbv6m-none-eabi', '-mcpu=cortex-m0', '-mthumb', '-Os', '-std=c11', '-ffreestanding', '-fno-builtin',
  '-nostdlib', '-fno-jump-tables', '-fomit-frame-pointer', '-fno-unwind-tables', '-fno-asynchronous-unwind-tables',
  '-Wall', '-Wextra', '-Werror', '-c',
];

export interface CompiledC {
  /** The .text section, as E.nativeCall would get it. */
  code: Uint8Array;
  /** Offsets in `code` of every symbol in .text (functions, static ones included). */
  symbols: Record<string, number>;
}

/** Tools found runnable in this process (each is checked once, not once per compile). */
const found = new Set<string>();

function requireTool(name: string): void {
  if (found.has(name)) return;
  const r = spawnSync(name, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`${name} not found or not runnable (${r.error?.message ?? `exit ${r.status}`}): the native-code tests compile C at test time; install Debian's clang-14 and llvm-14 (apt-get install clang-14 llvm-14)`);
  }
  found.add(name);
}

/** Compiles one C translation unit; throws a one-line reason when it cannot become a blob. */
export function compileC(source: string): CompiledC {
  for (const t of ['clang-14', 'llvm-objcopy-14', 'llvm-nm-14', 'llvm-objdump-14']) requireTool(t);
  const dir = mkdtempSync(join(tmpdir(), 'tripod-native-'));
  try {
    const c = join(dir, 'unit.c');
    const o = join(dir, 'unit.o');
    const bin = join(dir, 'unit.bin');
    writeFileSync(c, source);
    const cc = spawnSync('clang-14', [...CLANG_FLAGS, c, '-o', o], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`clang-14 failed: ${cc.stderr.trim()}`);
    // Relocations against .text (the blob); .ARM.exidx's are about unwind tables the blob leaves out.
    const relocs: string[] = [];
    let section = '';
    for (const line of execFileSync('llvm-objdump-14', ['-r', o], { encoding: 'utf8' }).split('\n')) {
      const head = /^RELOCATION RECORDS FOR \[(.+)\]:/.exec(line);
      if (head) section = head[1]!;
      else if (section === '.text' && /^[0-9a-f]{8}\s+R_/.test(line.trim())) relocs.push(line.trim());
    }
    if (relocs.length > 0) {
      throw new Error(`the object has relocations, which a raw E.nativeCall blob cannot carry: ${relocs.map((l) => l.trim().split(/\s+/).slice(1).join(' ')).join('; ')}`);
    }
    const sections = execFileSync('llvm-objdump-14', ['-h', o], { encoding: 'utf8' });
    for (const line of sections.split('\n')) {
      const m = /^\s*\d+\s+(\.\S+)\s+([0-9a-f]{8})/.exec(line);
      if (m && /^\.(data|bss|rodata)/.test(m[1]!) && parseInt(m[2]!, 16) > 0) {
        throw new Error(`section ${m[1]} has ${parseInt(m[2]!, 16)} bytes; the blob carries only .text (no globals, no constant tables)`);
      }
    }
    execFileSync('llvm-objcopy-14', ['-O', 'binary', '-j', '.text', o, bin]);
    const code = new Uint8Array(readFileSync(bin));
    const symbols: Record<string, number> = {};
    for (const line of execFileSync('llvm-nm-14', [o], { encoding: 'utf8' }).split('\n')) {
      const m = /^([0-9a-f]{8}) [tT] (\S+)$/.exec(line.trim());
      if (m) symbols[m[2]!] = parseInt(m[1]!, 16) & ~1;
    }
    return { code, symbols };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
