/** The flash and calibrate commands through the CLI entry (exit codes, one-line errors, --json). */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../host/helpers/cli.ts';
import { loadCalibrationFile } from '../../host/pipeline/calibration.ts';

const run = (...argv: string[]): ReturnType<typeof runCli> => runCli(argv);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('tripod calibrate', () => {
  it('scripted on the simulated board: exit 0, JSON with cop_error_mm, the calibration file written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripod-cli-'));
    dirs.push(dir);
    const file = join(dir, 'cal.json');
    const r = await run('calibrate', '--sim', '--sim-speed', '8', '--mass-kg', '10', '--yes', '--json', '--window-s', '1.5', '--out', file);
    expect(r.err).not.toMatch(/refused/);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { accepted: boolean; cop_error_mm: number; positions: unknown[]; written_to_board: boolean; file: string };
    expect(j.accepted).toBe(true);
    expect(j.cop_error_mm).toBeLessThan(1);
    expect(j.positions).toHaveLength(5);
    expect(j.written_to_board).toBe(true);
    expect(j.file).toBe(file);
    expect(loadCalibrationFile(file).cells).toHaveLength(4);
    expect(r.err).toContain('step 1: clear the plate');
  });

  it('a refused calibration exits 1 with the reason on one line and writes no file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripod-cli-'));
    dirs.push(dir);
    const file = join(dir, 'cal.json');
    const r = await run('calibrate', '--sim', '--sim-speed', '8', '--sim-fault', 'moved', '--mass-kg', '10', '--yes', '--json', '--window-s', '1.5', '--out', file);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as { accepted: boolean; refusals: Array<{ code: string }> };
    expect(j.accepted).toBe(false);
    expect(j.refusals.map((x) => x.code)).toEqual(['moved']);
    expect(r.err).toMatch(/^tripod calibrate: calibration refused: the load at .* kept moving/m);
    expect(existsSync(file)).toBe(false);
  });

  it('usage errors exit 2', async () => {
    expect((await run('calibrate', '--sim', '--yes')).code).toBe(2);
    expect((await run('calibrate', '--sim', '--mass-kg', '-3', '--yes')).code).toBe(2);
    expect((await run('calibrate', '--serial', '/dev/x', '--sim-fault', 'moved', '--mass-kg', '1', '--yes')).code).toBe(2);
  });
});

describe('tripod flash', () => {
  it('usage errors exit 2: no --port, a bad --board, custom without --pins', async () => {
    const a = await run('flash');
    expect(a.code).toBe(2);
    expect(a.err).toBe('tripod flash: --port is required: a serial path, a BLE address or tcp://host:port\n');
    expect((await run('flash', '--port', '/dev/x', '--board', 'arduino')).code).toBe(2);
    expect((await run('flash', '--port', '/dev/x', '--board', 'custom')).code).toBe(2);
    expect((await run('flash', '--port', '/dev/x', '--board', 'custom', '--pins', '1,2,3')).code).toBe(2);
  });

  it('no board at the port: exit 1, one line, and --json says which failure', async () => {
    const r = await run('flash', '--port', '/dev/tripod-no-such-port', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: 'no-board' });
    expect(r.err.trim().split('\n').at(-1)).toMatch(/^tripod flash: no board at \/dev\/tripod-no-such-port: that serial port does not exist/);
  });
});

describe('tripod emulate --repl', () => {
  it('listens on loopback only and does not mix with --tcp: usage errors exit 2', async () => {
    const a = await run('emulate', '--repl', 'tcp://0.0.0.0:2323', '--duration', '1');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--repl listens on loopback only .*use tcp:\/\/127\.0\.0\.1:2323/);
    expect((await run('emulate', '--repl', 'tcp://127.0.0.1:0', '--tcp', '0', '--duration', '1')).code).toBe(2);
    expect((await run('emulate', '--repl', 'telnet://127.0.0.1:1', '--duration', '1')).code).toBe(2);
  });

  it('serves for --duration and reports where to upload', async () => {
    const r = await run('emulate', '--repl', 'tcp://127.0.0.1:0', '--duration', '0.5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^emulated mdbt42q: Espruino REPL on tcp:\/\/127\.0\.0\.1:\d+ \(nothing saved yet\)\nupload with: tripod flash --port tcp:\/\/127\.0\.0\.1:\d+\n/);
  });
});
