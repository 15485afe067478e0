/** `tripod live --sim` as a child process (the real CLI), for the tests that restart and SIGKILL it. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface LiveProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  out(): string;
  err(): string;
  exit: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startLiveProcess(args: string[], timeoutMs = 60_000): Promise<LiveProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'host/cli/bin.mjs'), 'live', '--sim', '--no-open', '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const t0 = Date.now();
  let url: string | null = null;
  while (!url) {
    const m = /tripod live: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
    if (m) url = m[1]!;
    else if (child.exitCode !== null) throw new Error(`tripod live exited ${child.exitCode}: ${err}`);
    else if (Date.now() - t0 > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`tripod live printed no URL in ${timeoutMs} ms: ${err}`);
    } else await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    url,
    out: () => out,
    err: () => err,
    exit,
    stop: async (signal = 'SIGINT') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}
