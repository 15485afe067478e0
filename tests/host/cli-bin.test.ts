/**
 * host/cli/bin.cjs (the `tripod` command): --version from package.json without the ES module
 * loader, everything else handed to bin.mjs; `tripod --help` lists each command's own summary
 * without loading any command.
 * host/cli/bin.mjs: the process ends with the command's exit code once the command is done, even
 * when something (noble's HCI socket, a serialport binding) keeps a handle open, and piped stdout
 * arrives whole. The lingering handle is a preloaded setInterval (`node --import`).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../host/cli/commands.ts';

const BIN = path.resolve('host/cli/bin.mjs');
const LINGER = 'data:text/javascript,setInterval(()=>{},60000)';

function run(args: string[], timeoutMs = 30_000, bin = BIN): Promise<{ code: number | null; out: string; err: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', LINGER, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('bin.cjs', () => {
  const CJS = path.resolve('host/cli/bin.cjs');
  it('prints the version of package.json; hands other commands to bin.mjs with their exit code', async () => {
    const version = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')).version as string;
    expect(await run(['--version'], 30_000, CJS)).toMatchObject({ code: 0, out: `${version}\n`, err: '' });
    expect(await run(['-V'], 30_000, CJS)).toMatchObject({ code: 0, out: `${version}\n` });
    const bad = await run(['no-such-command'], 30_000, CJS);
    expect(bad).toMatchObject({ code: 2, err: "tripod: unknown command 'no-such-command'; run 'tripod --help' for the list\n", timedOut: false });
    expect(JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')).bin.tripod).toBe('host/cli/bin.cjs');
  });

  it('--help lists every command with its own summary', async () => {
    const r = await run(['--help'], 30_000, CJS);
    expect(r.code).toBe(0);
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const cmd = await entry.load();
      expect(entry.summary, name).toBe(cmd.summary);
      expect(r.out).toContain(`  ${name.padEnd(11)} ${cmd.summary}\n`);
    }
  });
});
