/**
 * `tripod emulate --repl ... --pty`: a bare emulated board behind an Espruino REPL, its console
 * joined to a pseudo-terminal by socat, flashed through that serial path with the real espruino
 * package (its Node Serial transport, serialport), verified with GET_INFO over the same serial
 * path (the host's serial transport).
 */
import { TransportFactory } from '../../host/transport/open.ts';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { constantLoads, DEFAULT_FIRMWARE_PATH } from '../../firmware/emulator/index.ts';
import type { CommandContext } from '../../host/cli/command.ts';
import { startPty } from '../../host/cli/commands/emulate.ts';
import { runReplMode } from '../../host/flash/emulate-repl.ts';
import { flashFirmware } from '../../host/flash/flash.ts';
import { runCli } from '../host/helpers/cli.ts';

describe('tripod emulate --repl', () => {
  it('serves a bare board that tripod flash programs through a serial path (pty), then answers GET_INFO there', async () => {
    if (!existsSync(DEFAULT_FIRMWARE_PATH)) throw new Error('run npm run build:firmware first (npm test does)');
    const dir = mkdtempSync(join(tmpdir(), 'tripod-repl-'));
    const link = join(dir, 'tty');
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const abort = new AbortController();
    const ctx: CommandContext = { values: {}, positionals: [], out, err: new PassThrough(), signal: abort.signal, transports: new TransportFactory() };
    const running = runReplMode(ctx, { url: 'tcp://127.0.0.1:0', board: 'mdbt42q', seed: 2, loads: constantLoads([10, 10, 10, 10]), durationS: Infinity, ptyLink: link, startPty });
    try {
      for (let i = 0; i < 100 && !text.includes(`on ${link}`); i++) await new Promise((r) => setTimeout(r, 50));
      expect(text).toMatch(/Espruino REPL on tcp:\/\/127\.0\.0\.1:\d+ \(nothing saved yet\)/);
      expect(text).toContain(`the same console on ${link}`);

      // The emulated board boots the upload in wall time: on a loaded CI machine (load 5) it needed more
      // than the 15 s a real board gets to answer GET_INFO, so this waits up to 45 s.
      const r = await flashFirmware({ port: link, board: 'mdbt42q', verify: { timeoutMs: 45_000 } });
      expect(r.espruino).toMatchObject({ BOARD: 'MDBT42Q' });
      expect(r.verified?.protocolVersion).toMatch(/^1\.\d+$/);
      expect(text).toMatch(/booted the uploaded code: running, advertising as Tripod-[0-9A-F]{4}/);
    } finally {
      abort.abort();
      expect(await running).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('flashed over tcp://, the pty link comes back (socat restarted) and --serial tcp:// reaches the board', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripod-repl-tcp-'));
    const link = join(dir, 'tty');
    const out = new PassThrough();
    const err = new PassThrough();
    let text = '';
    let errText = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    err.on('data', (d: Buffer) => (errText += d.toString()));
    const abort = new AbortController();
    const ctx: CommandContext = { values: {}, positionals: [], out, err, signal: abort.signal, transports: new TransportFactory() };
    const running = runReplMode(ctx, { url: 'tcp://127.0.0.1:0', board: 'mdbt42q', seed: 3, loads: constantLoads([10, 10, 10, 10]), durationS: Infinity, ptyLink: link, startPty });
    try {
      for (let i = 0; i < 100 && !text.includes(`on ${link}`); i++) await new Promise((r) => setTimeout(r, 50));
      const url = /Espruino REPL on (tcp:\/\/127\.0\.0\.1:\d+)/.exec(text)![1]!;
      const r = await flashFirmware({ port: url, board: 'mdbt42q' });
      expect(r.verified?.protocolVersion).toMatch(/^1\.\d+$/);
      // (the verify step after the upload may take the console once more: wait for the last restart)
      for (let i = 0; i < 200 && !(errText.includes(`the console is on ${link} again`) && existsSync(link)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(errText).toContain(`repl: the console is on ${link} again`);
      expect(existsSync(link)).toBe(true);
      const info = await runCli(['info', '--serial', url, '--json']);
      expect(info.err).toBe('');
      expect(JSON.parse(info.out)).toMatchObject({ source: url, info: { cellCount: 4 } });
    } finally {
      abort.abort();
      expect(await running).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
