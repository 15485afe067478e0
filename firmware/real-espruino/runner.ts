/**
 * Runs files on the real Espruino interpreter built for Linux (README.md beside this file): installs
 * them into Storage the way an upload does (the REPL reads standard input: chunked
 * `require("Storage").write(name, atob(chunk), offset, total)`, then `load()`), lets the interpreter
 * boot from Storage as a board does (.boot0, then .bootcde), and collects what the program appended to
 * result.txt (require("fs"); moving the console takes print away from standard output).
 *
 * The interpreter is found through ONE environment variable, TRIPOD_ESPRUINO_DIR: a folder holding
 * espruino-arm-2630 (Puck.js: 2,630 variables), espruino-arm-2950 (MDBT42Q: 2,950), espruino-arm-8000
 * and espruino-x64. The ARM builds run under qemu-arm (Debian's qemu-user). `findInterpreter()` says
 * what is missing in one line, or gives the paths.
 *
 * One interpreter process per run, in a fresh temporary folder (Storage persists in espruino.flash
 * there); the process is stopped with SIGKILL (the interpreter ignores SIGTERM) as soon as `done`
 * says the result is in, the output shows OUT OF MEMORY or a crash, or `timeoutS` passed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ESPRUINO_DIR_VAR = 'TRIPOD_ESPRUINO_DIR';
export type BuildName = 'espruino-arm-2630' | 'espruino-arm-2950' | 'espruino-arm-8000' | 'espruino-x64';
/** Bytes of file data per Storage.write line (the REPL's line buffer takes this comfortably). */
export const CHUNK_BYTES = 384;

export interface Interpreter {
  dir: string;
  /** qemu-arm's path (for the ARM builds). */
  qemu: string;
}

/** The interpreter folder and qemu-arm, or a one-line reason why they cannot be used. */
export function findInterpreter(builds: BuildName[] = ['espruino-arm-2630', 'espruino-arm-2950', 'espruino-x64']): Interpreter | string {
  const dir = process.env[ESPRUINO_DIR_VAR];
  if (!dir) return `${ESPRUINO_DIR_VAR} is not set (a folder with the Espruino builds for Linux: firmware/real-espruino/README.md)`;
  const missing = builds.filter((b) => !existsSync(join(dir, b)));
  if (missing.length > 0) return `${ESPRUINO_DIR_VAR}=${dir} lacks ${missing.join(', ')} (firmware/real-espruino/README.md says how to build them)`;
  let qemu = '';
  if (builds.some((b) => b.includes('-arm-'))) {
    const w = spawnSync('sh', ['-c', 'command -v qemu-arm'], { encoding: 'utf8' });
    qemu = w.stdout.trim();
    if (w.status !== 0 || qemu === '') return 'qemu-arm is not installed (Debian: apt-get install qemu-user); the ARM builds need it';
  }
  return { dir, qemu };
}

/**
 * The REPL input lines that install `files` into Storage (erased first) and boot from it. Each line
 * but the last (`load()`) ends by printing `@k@` (k its number): the runner sends the next line only
 * once that acknowledgement is out, because the REPL drops input that arrives while its 1 KB receive
 * buffer is full (seen on the x64 build: chunks written with lost characters).
 */
export function installLines(files: Record<string, string | Uint8Array>): string[] {
  const out = ['\x10echo(0);', 'require("Storage").eraseAll();'];
  for (const [name, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'latin1') : Buffer.from(content);
    if (bytes.length === 0) throw new TypeError(`installLines: file ${name} is empty (Storage cannot hold an empty file)`);
    for (let off = 0; off < bytes.length; off += CHUNK_BYTES) {
      const b64 = bytes.subarray(off, off + CHUNK_BYTES).toString('base64');
      out.push(`require("Storage").write(${JSON.stringify(name)},atob("${b64}"),${off}${off === 0 ? ',' + bytes.length : ''});`);
    }
  }
  const lines = out.map((l, k) => `${l}print("@${k}@");`);
  lines.push('load();');
  return lines;
}

export interface RunOptions {
  build: BuildName;
  /** Storage files: .boot0 (stand-ins), .bootcde (the upload file), data files. */
  files: Record<string, string | Uint8Array>;
  /** True when result.txt holds everything wanted (checked every 250 ms). */
  done: (result: string) => boolean;
  timeoutS: number;
}

export interface RunResult {
  /** What the program appended to result.txt. */
  result: string;
  /** The interpreter's standard output and error (the REPL until the console moved). */
  output: string;
  /** Why the run ended: 'done', 'out-of-memory', 'crashed', 'exited', 'timeout'. */
  ended: 'done' | 'out-of-memory' | 'crashed' | 'exited' | 'timeout';
  wallS: number;
}

/** Installs and boots the files on one interpreter process; resolves when it ended (see RunResult). */
export function runOnInterpreter(interp: Interpreter, o: RunOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tripod-espruino-'));
  const bin = join(interp.dir, o.build);
  const [cmd, args] = o.build.includes('-arm-') ? [interp.qemu, [bin]] : [bin, []];
  const t0 = Date.now();
  const child = spawn(cmd, args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('latin1')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('latin1')));
  child.stdin.on('error', () => {});
  // One line at a time, each after the previous one's acknowledgement; the input stays open (an
  // ended stdin makes the REPL exit).
  const lines = installLines(o.files);
  let next = 0;
  const send = (): void => {
    if (next < lines.length) child.stdin.write(lines[next++] + '\n');
  };
  child.stdout.on('data', () => {
    if (next > 0 && next < lines.length && output.includes(`@${next - 1}@`)) send();
  });
  send();
  const read = (): string => {
    try {
      return readFileSync(join(dir, 'result.txt'), 'latin1');
    } catch {
      return '';
    }
  };
  return new Promise((resolve) => {
    let exited = false;
    let ending = false;
    child.on('exit', (code, signal) => {
      exited = true;
      output += `\n[interpreter exited: ${signal ?? 'code ' + code}]`;
    });
    const finish = (ended: RunResult['ended']): void => {
      if (ending) return;
      ending = true;
      clearInterval(timer);
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      const result = read();
      rmSync(dir, { recursive: true, force: true });
      resolve({ result, output, ended, wallS: (Date.now() - t0) / 1000 });
    };
    const timer = setInterval(() => {
      if (o.done(read())) finish('done');
      else if (/OUT OF MEMORY/.test(output)) setTimeout(() => finish('out-of-memory'), 500);
      else if (/Segmentation fault|Illegal instruction|qemu: uncaught target signal/.test(output)) finish('crashed');
      else if (exited) finish('exited');
      else if (Date.now() - t0 > o.timeoutS * 1000) finish('timeout');
    }, 250);
  });
}
