/**
 * The `tripod` CLI as a user runs it: a child process on the default simulated board (the emulator
 * running the built firmware in real time), killed with SIGKILL mid-recording, then replayed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './helpers/cli.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-cli-rec-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const BIN = path.resolve('host/cli/bin.mjs');

describe('tripod record', () => {
  it('SIGKILL mid-recording leaves a file that replays up to the last complete frame', async () => {
    const file = path.join(dir, 'killed.tripod');
    const child = spawn(process.execPath, [BIN, 'record', '--duration', '60', '--out', file, '--subject', 'K1'], { stdio: 'ignore' });
    // Wait until a couple of seconds of frames are on disk.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      if (fs.existsSync(file) && fs.statSync(file).size > 4000) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(fs.statSync(file).size).toBeGreaterThan(4000);
    const r = await runCli(['replay', file, '--speed', 'max', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.samples).toBeGreaterThan(100);
    expect(s.lost).toBe(0);
    expect(s.clean_end).toBe(false);
    expect(s.damaged).toEqual([]);
    expect(s.subject_id).toBe('K1');
    expect(r.err).toMatch(/not closed cleanly \(crash or kill\)|stopped at byte offset \d+/);
  });

  it('Ctrl-C (SIGINT) stops the recording cleanly: exit 0, summary printed, END record written', async () => {
    const file = path.join(dir, 'interrupted.tripod');
    const child = spawn(process.execPath, [BIN, 'record', '--out', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b) => (out += String(b)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      if (fs.existsSync(file) && fs.statSync(file).size > 3000) break;
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    const s = JSON.parse(out);
    expect(s.samples).toBeGreaterThan(50);
    const r = await runCli(['replay', file, '--speed', 'max', '--json']);
    expect(JSON.parse(r.out)).toMatchObject({ samples: s.samples, clean_end: true, lost: 0 });
  });

  it('records for --duration and summarises with --json', async () => {
    const file = path.join(dir, 'ok.tripod');
    const r = spawnSync(process.execPath, [BIN, 'record', '--duration', '2', '--out', file, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ file, lost: 0, duplicates: 0, gaps: 0, link_losses: 0 });
    expect(s.samples).toBeGreaterThan(100);
    const again = await runCli(['replay', file, '--speed', 'max', '--json']);
    expect(JSON.parse(again.out)).toMatchObject({ samples: s.samples, clean_end: true, stopped_at_byte: null });
  });

  it('info and tare on the default simulated board, --json', () => {
    const info = spawnSync(process.execPath, [BIN, 'info', '--json'], { encoding: 'utf8' });
    expect(info.status).toBe(0);
    const i = JSON.parse(info.stdout);
    expect(i.info).toMatchObject({ protocolMajor: 1, cellCount: 4, sampleRateHz: 80 });
    expect(i.calibration.cells).toHaveLength(4);
    expect(i.software).toBe('native');
    const tare = spawnSync(process.execPath, [BIN, 'tare', '--samples', '8', '--json'], { encoding: 'utf8' });
    expect(tare.status).toBe(0);
    const t = JSON.parse(tare.stdout);
    expect(t.offsets).toHaveLength(4);
    for (const o of t.offsets) expect(Number.isInteger(o)).toBe(true);
  });

  it('wrong flags: exit 2 and one line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['record'], /^tripod record: --out FILE is required/],
      [['record', '--out', 'x.tripod', '--duration', 'soon'], /--duration must be a positive number, got 'soon'/],
      [['record', '--out', 'x.tripod', '--sim', '--serial', '/dev/ttyACM0'], /choose one board source, got --sim and --serial/],
      [['record', '--out', 'x.tripod', 'extra'], /unexpected argument 'extra' \(only --ble takes a board id or name\)/],
      [['info', '--serial'], /flag '--serial <value>' needs a value/],
      [['tare', '--samples', '999'], /--samples must be an integer 1\.\.255/],
      [['info', '--calibration', path.join(dir, 'nope.json')], /calibration file .*nope\.json: no such file/],
      [['scan', '--ble', '--serial'], /choose --ble or --serial/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(re);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('--help works for every host command', async () => {
    for (const c of ['scan', 'info', 'record', 'replay', 'export', 'tare']) {
      const r = await runCli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: tripod ${c}`));
    }
  });

  it('--ble on a machine without Bluetooth: exit 1 and one clear line', () => {
    const r = spawnSync(process.execPath, [BIN, 'info', '--ble'], { encoding: 'utf8' });
    if (r.status === 0) return; // a machine with a real adapter and a board: nothing to check here
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tripod info: (Bluetooth is not available|Bluetooth adapter|no Tripod board)/);
  });
});
