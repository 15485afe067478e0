/**
 * The CLI's BLE paths in-process, with noble on a fake radio (a TransportFactory over a FakeRadio, given to main()) whose peripherals are
 * emulated boards running the built firmware.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeRadio } from '../../host/transport/fake-radio.ts';
import { TransportFactory } from '../../host/transport/open.ts';
import { drivenBoard } from './helpers/virtual-board.ts';
import { runCli } from './helpers/cli.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-cli-ble-'));
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('tripod over BLE (fake radio)', () => {
  it('scan lists the advertising boards; record --ble A B records one file per board', async () => {
    const a = drivenBoard({ seed: 61, address: 'c0:11:22:33:44:61' });
    const b = drivenBoard({ seed: 62, address: 'c0:11:22:33:44:62' });
    await a.until(0.5);
    await b.until(0.5);
    const transports = new TransportFactory({
      bleBindings: new FakeRadio([
        { board: a.board, address: 'c0:11:22:33:44:61', rssi: -40 },
        { board: b.board, address: 'c0:11:22:33:44:62', rssi: -80 },
      ]),
    });
    const scan = await runCli(['scan', '--ble', '--timeout', '0.3', '--json'], transports);
    expect(scan.code).toBe(0);
    const found = JSON.parse(scan.out);
    expect(found.ble.map((x: { id: string }) => x.id)).toEqual(['c01122334461', 'c01122334462']);
    expect(found.ble_error).toBeNull();

    const nameA = a.board.ble.advertising()!.name!;
    const info = await runCli(['info', `--ble=${nameA}`, '--json'], transports);
    expect(info.err).toBe('');
    expect(JSON.parse(info.out)).toMatchObject({ software: 'native', info: { cellCount: 4 } });
    const out = path.join(dir, 's01.tripod');
    const rec = await runCli(['record', '--ble', nameA, 'c0:11:22:33:44:62', '--duration', '1', '--out', out, '--json'], transports);
    a.stop();
    b.stop();
    expect(rec.err).toBe('');
    expect(rec.code).toBe(0);
    const summary = JSON.parse(rec.out);
    expect(summary.boards.map((x: { file: string }) => path.basename(x.file))).toEqual([`s01-${nameA}.tripod`, 's01-c0_11_22_33_44_62.tripod']);
    for (const s of summary.boards) {
      expect(s).toMatchObject({ lost: 0, duplicates: 0, gaps: 0 });
      // 80 Hz for 1 s of wall time; the emulated boards run slower than real time on a loaded machine
      // (35 samples in 0.5 s seen at load 15), so this asks for a quarter: samples flowed from both.
      expect(s.samples).toBeGreaterThan(20);
      const r = await runCli(['replay', s.file, '--speed', 'max', '--json']);
      expect(JSON.parse(r.out)).toMatchObject({ samples: s.samples, clean_end: true });
    }
  });

  it('--ble=NAME is --ble NAME', async () => {
    const r = await runCli(['record', '--ble=X', 'x', '--out', path.join(dir, 'x.tripod')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("tripod record: board 'x' is named twice\n");
  });

  it('record --ble with the same board twice is a usage error', async () => {
    const r = await runCli(['record', '--ble', 'X', 'x', '--out', path.join(dir, 'x.tripod')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("tripod record: board 'x' is named twice\n");
  });
});
