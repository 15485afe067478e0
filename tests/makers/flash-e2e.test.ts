/**
 * End to end, the makers' path on the emulator: the real `espruino` package uploads the real built
 * firmware (firmware/dist/tripod.min.js, the upload file of `npm run build:firmware`) into the emulator's REPL over
 * TCP; `load()` boots it; tripod flash verifies it with GET_INFO through the same TCP port; then the
 * host opens a session on that board (over its emulated BLE link) and receives samples whose raw
 * counts are exactly what the emulator's HX711 models produced.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Socket } from 'node:net';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { constantLoads, createBoard, DEFAULT_FIRMWARE_PATH, type EmulatedBoard } from '../../firmware/emulator/index.ts';
import { parsePins } from '../../host/flash/pins.ts';
import { startEmulatorRepl, type ReplServer } from '../../firmware/emulator/repl-server.ts';
import { DEFAULT_FIRMWARE, flashFirmware, type FlashEvent } from '../../host/flash/flash.ts';
import { FlashError } from '../../host/flash/upload.ts';
import { openBoard, type BoardSession } from '../../host/session.ts';
import { PROTOCOL_MAJOR, PROTOCOL_MINOR } from '../../protocol/index.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function requireBuild(): void {
  for (const f of [DEFAULT_FIRMWARE_PATH, DEFAULT_FIRMWARE]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run 'npm run build:firmware' (npm test does)`);
  }
}

describe('tripod flash into the emulator REPL, then stream', () => {
  it('uploads the built firmware with the espruino package, verifies it over the protocol, and the host receives exact samples', async () => {
    requireBuild();
    const loads = constantLoads([100, 150, 200, 250]);
    const repl: ReplServer<EmulatedBoard> = await startEmulatorRepl({ board: { seed: 5, loads } });
    cleanups.push(() => repl.close());

    const events: FlashEvent[] = [];
    const r = await flashFirmware({ port: repl.url, board: 'mdbt42q', onEvent: (e) => events.push(e) });
    expect(r.verified).not.toBeNull();
    expect(r.verified!.protocolVersion).toBe(`${PROTOCOL_MAJOR}.${PROTOCOL_MINOR}`);
    expect(r.verified!.firmwareVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.verified!.board).toBe('MDBT42Q');
    expect(r.espruino).toMatchObject({ BOARD: 'MDBT42Q', VERSION: '2v29' });
    expect(events.filter((e) => e.type === 'upload' && e.progress.stage === 'uploading').length).toBeGreaterThan(10);

    const board = repl.board();
    expect(board).not.toBeNull();
    // What the REPL saved is the built file, and that is what runs.
    expect(repl.storage()['.bootcde']!.length).toBeGreaterThan(1000);

    const session: BoardSession = await openBoard({ kind: 'sim' }, { sim: { board: board! } });
    cleanups.push(() => session.close());
    const samples = await firstValueFrom(session.samples$.pipe(take(120), toArray()));
    // Indices only grow (a loaded test machine may make the real-time board drop a few: the session
    // reports those as gaps; exact contiguity is the firmware suite's job on the virtual clock).
    for (let k = 1; k < samples.length; k++) expect(samples[k]!.index).toBeGreaterThan(samples[k - 1]!.index);
    // Raw counts equal what the HX711 models latched, in order (a sample flagged stale for a cell
    // repeats that cell's previous value, so only fresh ones are matched).
    const truth = board!.cellTruth();
    for (let c = 0; c < 4; c++) {
      const words = truth[c]!.map((t) => t.counts);
      const fresh = samples.filter((s) => (s.flags & (1 << c)) === 0).map((s) => s.raw[c]!);
      expect(fresh.length).toBeGreaterThan(samples.length / 2);
      let at = words.indexOf(fresh[0]!);
      expect(at).toBeGreaterThanOrEqual(0);
      for (const v of fresh.slice(1)) {
        const next = words.indexOf(v, at + 1);
        expect(next, `cell ${c}: ${v} not found after truth word ${at}`).toBeGreaterThan(at);
        at = next;
      }
    }
  });

  it('refuses a board of the wrong kind before writing anything', async () => {
    requireBuild();
    const repl = await startEmulatorRepl({ board: { board: 'puckjs' } });
    cleanups.push(() => repl.close());
    const err = await flashFirmware({ port: repl.url, board: 'mdbt42q' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlashError);
    expect((err as FlashError).code).toBe('wrong-board');
    expect((err as FlashError).message).toMatch(/reports BOARD=PUCKJS, not MDBT42Q; nothing was written/);
    expect(repl.storageFile('.bootcde')).toBeUndefined();
  });

  it("stores the upload file within a board's 40 KB of Storage; the readable tripod.js does not fit and is named as such", async () => {
    requireBuild();
    const repl = await startEmulatorRepl({ board: { seed: 6 } });
    cleanups.push(() => repl.close());
    await flashFirmware({ port: repl.url, board: 'mdbt42q' });
    const stored = repl.storage()['.bootcde']!.length;
    expect(stored).toBeGreaterThan(20_000);
    expect(stored).toBeLessThan(40_960 - 2_048);
    const repl2 = await startEmulatorRepl({ board: { seed: 7 } });
    cleanups.push(() => repl2.close());
    const err = await flashFirmware({ port: repl2.url, board: 'mdbt42q', file: DEFAULT_FIRMWARE_PATH }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlashError);
    expect((err as FlashError).code).toBe('no-space');
    expect((err as FlashError).message).toMatch(/^the board's Storage has no room for the \d+-byte upload \('Uncaught Error: Unable to find or create file'\): upload the minified/);
    // The upload stopped at the board's first refusal, not after sending the whole file.
    expect((err as FlashError).sent).toBeLessThan((err as FlashError).total / 2);
    // ...and left the board's REPL clean: the minified file flashes on the same board.
    await flashFirmware({ port: repl2.url, board: 'mdbt42q' });
    expect(repl2.storage()['.bootcde']!.length).toBe(stored);
  });

  it('on a Puck.js over a wired port it uploads and says why it cannot verify (the Puck has no UART)', async () => {
    const repl = await startEmulatorRepl({ board: { board: 'puckjs' } });
    cleanups.push(() => repl.close());
    const dir = mkdtempSync(join(tmpdir(), 'tripod-puck-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'blink.js');
    writeFileSync(file, 'var on = false;\nsetInterval(function () { on = !on; }, 500);\n');
    const r = await flashFirmware({ port: repl.url, board: 'puckjs', file });
    expect(r.verified).toBeNull();
    expect(r.verifySkipped).toMatch(/Puck\.js speaks the protocol over BLE only/);
    expect(repl.board()).not.toBeNull();
  });

  it('--board custom stores the pins in the firmware settings before it boots, and the firmware reads the cells on them', async () => {
    requireBuild();
    const wiring = { sck: 22, rate: 23, dout: [24, 25, 26, 27] as [number, number, number, number] };
    const repl = await startEmulatorRepl({ board: { seed: 9, wiring, loads: constantLoads([50, 50, 50, 50]) } });
    cleanups.push(() => repl.close());
    const r = await flashFirmware({ port: repl.url, board: 'custom', pins: parsePins('22,23,24,25,26,27') });
    expect(r.verified?.board).toBe('MDBT42Q');
    const settings = JSON.parse(repl.storage()['tripod.json']!) as Record<string, unknown>;
    expect(settings).toMatchObject({ v: 1, serial: true, pins: { sck: 22, rate: 23, dout: [24, 25, 26, 27] } });
    const session = await openBoard({ kind: 'sim' }, { sim: { board: repl.board()! } });
    cleanups.push(() => session.close());
    const samples = await firstValueFrom(session.samples$.pipe(take(80), toArray()));
    // Cells answer on the custom pins: most samples are fresh (no stale flag) on every cell.
    for (let c = 0; c < 4; c++) expect(samples.filter((s) => (s.flags & (1 << c)) === 0).length).toBeGreaterThan(40);
  });

  it('names a Tripod board whose firmware keeps the port for its protocol (no Espruino console there)', async () => {
    requireBuild();
    // A board already running the firmware, its UART exposed on TCP with no REPL in front.
    const board = createBoard({ clock: 'realtime', seed: 4 });
    cleanups.push(() => board.stop());
    const socks: Socket[] = [];
    const uart = createServer((sock) => {
      socks.push(sock);
      const off = board.serial.onData((b) => sock.write(b));
      sock.on('data', (d: Buffer) => board.serial.write(new Uint8Array(d)));
      sock.on('close', off);
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => uart.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => uart.close(() => r())));
    cleanups.push(() => socks.forEach((s) => s.destroy()));
    const port = (uart.address() as { port: number }).port;
    const err = await flashFirmware({ port: `tcp://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlashError);
    expect((err as FlashError).code).toBe('not-espruino');
    expect((err as FlashError).message).toMatch(/runs the Tripod firmware \d+\.\d+\.\d+ \(protocol 1\.\d+\), which keeps this port/);
  });
});
