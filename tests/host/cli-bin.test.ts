/**
 * host/cli/bin.mjs: the process ends with the command's exit code once the command is done, even
 * when something (noble's HCI socket, a serialport binding) keeps a handle open, and piped stdout
 * arrives whole. The lingering handle is a preloaded setInterval (`node --import`).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve('host/cli/bin.mjs');
const LINGER = 'data:text/javascript,setInterval(()=>{},60000)';

function run(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; out: string; err: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', LINGER, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, timedOut });
    });
  });
}

describe('bin.mjs', () => {
  it('exits with the command code (0) and all of stdout, though a handle lingers', async () => {
    const r = await run(['--help']);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^tripod: balance-board toolkit/);
    expect(r.out).toMatch(/--serial PATH\. Add --json for machine-readable output\.\n$/);
  });

  it('exits with a usage error (2) and its message, though a handle lingers', async () => {
    const r = await run(['no-such-command']);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(2);
    expect(r.err).toBe("tripod: unknown command 'no-such-command'; run 'tripod --help' for the list\n");
  });
});
