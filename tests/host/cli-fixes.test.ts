/** Small CLI behaviours labs and makers ran into: help for a command, typo suggestions, replay --json pacing. */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closestCommand } from '../../host/cli/main.ts';
import { runCli } from './helpers/cli.ts';
import { writeRecording } from './helpers/synthetic-recording.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-fixes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('CLI fixes', () => {
  it('tripod help COMMAND prints that command\'s help, as COMMAND --help does', async () => {
    const a = await runCli(['help', 'record']);
    const b = await runCli(['record', '--help']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^Usage: tripod record /);
    expect(a.out).toBe(b.out);
    expect((await runCli(['help'])).out).toMatch(/^tripod: balance-board toolkit/);
  });

  it('a mistyped command gets the nearest one suggested; nothing near, the list', async () => {
    expect((await runCli(['recrod'])).err).toBe("tripod: unknown command 'recrod'; did you mean 'record'? (tripod --help lists them all)\n");
    expect((await runCli(['analyse'])).err).toMatch(/did you mean 'analyze'\?/);
    const far = await runCli(['xyzzy']);
    expect(far.code).toBe(2);
    expect(far.err).toBe("tripod: unknown command 'xyzzy'; run 'tripod --help' for the list\n");
    expect(closestCommand('expotr', ['export', 'replay'])).toBe('export');
    expect(closestCommand('docter', ['doctor', 'info'])).toBe('doctor');
    expect(closestCommand('calib', ['calibrate', 'tare'])).toBe('calibrate');
  });

  it('replay --json plays at max speed unless --speed is given', async () => {
    const rec = path.join(dir, 'r.tripod');
    writeRecording(rec, { samples: 400, seed: 3 });
    expect(JSON.parse((await runCli(['replay', rec, '--json'])).out)).toMatchObject({ samples: 400, speed: 'max' });
    expect(JSON.parse((await runCli(['replay', rec, '--json', '--speed', '50'])).out)).toMatchObject({ samples: 400, speed: 50 });
  });
});
