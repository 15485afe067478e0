/**
 * Every command of the spec against the built firmware in the emulator, every malformed command
 * from protocol/vectors/control.json (answered byte for byte), persistence across an emulated
 * reboot, the GATT layout and advertising, the wired link with the console moved away while
 * streaming, and the idle power-down.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { constantLoads } from '../../firmware/emulator/index.ts';
import {
  AUTH_COMMANDS,
  BOARD_MDBT42Q,
  BOARD_PUCKJS,
  CMD_GET_CALIBRATION,
  CMD_GET_INFO,
  CMD_GET_NAME,
  CMD_IDENTIFY,
  CMD_REBOOT,
  CMD_SET_CALIBRATION,
  CMD_SET_FRAME_SAMPLES,
  CMD_SET_NAME,
  CMD_SET_SAMPLE_RATE,
  CMD_START_STREAM,
  CMD_STOP_STREAM,
  CMD_TARE,
  PROTOCOL_MAJOR,
  PROTOCOL_MINOR,
  STATUS_BAD_ARGUMENT,
  STATUS_BUSY,
  STATUS_OK,
  UUID_BATTERY_LEVEL,
  UUID_BATTERY_SERVICE,
  UUID_CONTROL,
  UUID_DATA,
  UUID_DEVICE_INFO_SERVICE,
  UUID_FIRMWARE_REVISION,
  UUID_SOFTWARE_REVISION,
  UUID_MODEL_NUMBER,
  UUID_RESPONSE,
  UUID_SERVICE,
  encodeResponse,
} from '../../protocol/index.ts';
import { alignTruth, bleHost, boot, samplesOf, serialHost } from './harness.ts';

const LOADS = constantLoads([100, 200, 300, 400]);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

describe('GATT layout and advertising', () => {
  it('advertises Tripod-XXXX from the address with the service UUID and declares every characteristic', () => {
    const board = boot({ seed: 1, address: 'c0:11:22:33:ab:cd', loads: LOADS });
    board.advance(0.5);
    const adv = board.ble.advertising()!;
    expect(adv.name).toBe('Tripod-ABCD');
    expect(adv.serviceUuids).toContain(UUID_SERVICE);
    const host = bleHost(board, 23);
    const gatt = host.link.discover();
    expect(gatt[UUID_SERVICE]).toEqual(expect.arrayContaining([UUID_DATA, UUID_CONTROL, UUID_RESPONSE]));
    expect(gatt[UUID_BATTERY_SERVICE]).toContain(UUID_BATTERY_LEVEL);
    expect(gatt[UUID_DEVICE_INFO_SERVICE]).toContain(UUID_FIRMWARE_REVISION);
    // No Nordic UART service: nobody in range gets Espruino's JavaScript console over Bluetooth.
    expect(Object.keys(gatt).map((u) => u.toLowerCase())).not.toContain('6e400001-b5a3-f393-e0a9-e50e24dcca9e');
    expect(board.consoleDevice()).not.toBe('Bluetooth');
    expect(Buffer.from(host.link.read(UUID_FIRMWARE_REVISION)).toString()).toBe('0.1.0');
    expect(Buffer.from(host.link.read(UUID_SOFTWARE_REVISION)).toString()).toBe('native');
    expect(Buffer.from(host.link.read(UUID_MODEL_NUMBER)).toString()).toBe('Tripod MDBT42Q');
    // MDBT42Q: no E.getBattery; 3.3 V regulator reads as 100 %.
    expect(Array.from(host.link.read(UUID_BATTERY_LEVEL))).toEqual([100]);
  });

  it('on a Puck.js uses its pin map, board id and E.getBattery()', () => {
    const board = boot({ seed: 2, board: 'puckjs', loads: LOADS });
    board.advance(0.5);
    const host = bleHost(board, 53);
    const info = host.command({ reqId: 1, code: CMD_GET_INFO }).info!;
    expect(info.boardId).toBe(BOARD_PUCKJS);
    expect(info.batteryPercent).toBeGreaterThanOrEqual(0);
    expect(info.batteryPercent).toBeLessThanOrEqual(100);
    host.command({ reqId: 2, code: CMD_START_STREAM });
    board.advance(2);
    const samples = samplesOf(host.log);
    expect(samples.length).toBeGreaterThan(140);
    const truth = board.cellTruth();
    for (let c = 0; c < 4; c++) expect(alignTruth(truth[c]!, samples, c)).toBeGreaterThanOrEqual(0);
  });
});

describe('custom pins from settings', () => {
  const settings = (pins: unknown): Record<string, string> => ({
    'tripod.json': JSON.stringify({ v: 1, name: '', rateHz: 80, samplesPerFrame: 4, keyInterval: 80, idleS: 60, serial: true, pins }),
  });

  it('reads the HX711s on the pins tripod.json names', () => {
    const wiring = { sck: 3, rate: 4, dout: [11, 12, 13, 20] as [number, number, number, number] };
    const board = boot({ seed: 13, loads: LOADS, wiring, storage: settings({ sck: 3, rate: 4, dout: [11, 12, 13, 20] }) });
    board.advance(0.5);
    const host = bleHost(board, 53);
    host.command({ reqId: 1, code: CMD_START_STREAM });
    board.advance(2);
    const samples = samplesOf(host.log);
    expect(samples.length).toBeGreaterThan(140);
    const truth = board.cellTruth();
    for (let c = 0; c < 4; c++) expect(alignTruth(truth[c]!, samples, c)).toBeGreaterThanOrEqual(0);
    expect(host.log.events.filter((e) => e.code === 4)).toEqual([]);
  });

  it('refuses pins used twice: default settings and a storage-fault event', () => {
    const board = boot({ seed: 14, loads: LOADS, storage: settings({ sck: 3, rate: 4, dout: [11, 11, 13, 20] }) });
    board.advance(0.5);
    const host = bleHost(board, 53);
    host.command({ reqId: 1, code: CMD_START_STREAM });
    board.advance(1);
    expect(samplesOf(host.log).length).toBeGreaterThan(60);
    expect(host.log.events.find((e) => e.code === 4)).toBeDefined();
  });
});

describe('every command', () => {
  it('uses the reference samples per frame (2 at 20 and at 50 bytes: settings.ts FRAME_SAMPLES_REFERENCE) unless SET_FRAME_SAMPLES set it', () => {
    const board = boot({ seed: 15, loads: LOADS });
    board.advance(0.5);
    const small = bleHost(board, 23);
    expect(small.command({ reqId: 1, code: CMD_GET_INFO }).info!.samplesPerFrame).toBe(2);
    small.link.disconnect();
    board.advance(0.2);
    const big = bleHost(board, 53);
    expect(big.command({ reqId: 2, code: CMD_GET_INFO }).info!.samplesPerFrame).toBe(2);
    big.command({ reqId: 3, code: CMD_START_STREAM });
    board.advance(3);
    big.command({ reqId: 4, code: CMD_STOP_STREAM });
    board.advance(0.5);
    const counts = big.log.blocks.filter((b) => !b.key).map((b) => b.count);
    expect(Math.max(...counts)).toBe(2);
    // Clamped to what the device supports (settings.ts FRAME_SAMPLES_MAX: its encoder block is laid out once at boot).
    expect(big.command({ reqId: 5, code: CMD_SET_FRAME_SAMPLES, samplesPerFrame: 200 }).samplesPerFrame).toBe(8);
  });

  it('GET_INFO reports the device, link and settings', () => {
    const board = boot({ seed: 3, loads: LOADS });
    board.advance(0.5);
    const host = bleHost(board, 53);
    const r = host.command({ reqId: 7, code: CMD_GET_INFO });
    expect(r.status).toBe(STATUS_OK);
    expect(r.info).toEqual({
      firmwareMajor: 0, firmwareMinor: 1, firmwarePatch: 0,
      protocolMajor: PROTOCOL_MAJOR, protocolMinor: PROTOCOL_MINOR,
      boardId: BOARD_MDBT42Q, cellCount: 4, sampleRateHz: 80, mtu: 53,
      batteryPercent: 255, batteryMv: 3300, samplesPerFrame: 2, keyInterval: 80,
      streaming: false, calibrated: false, payloadBytes: 50,
    });
  });

  it('START_STREAM / STOP_STREAM, SET_SAMPLE_RATE 10 and 80, SET_FRAME_SAMPLES', () => {
    const board = boot({ seed: 4, loads: LOADS });
    board.advance(0.5);
    const host = bleHost(board, 23);
    expect(host.command({ reqId: 1, code: CMD_SET_SAMPLE_RATE, sampleRateHz: 10 }).sampleRateHz).toBe(10);
    expect(host.command({ reqId: 2, code: CMD_SET_FRAME_SAMPLES, samplesPerFrame: 2 }).samplesPerFrame).toBe(2);
    const first = host.command({ reqId: 3, code: CMD_START_STREAM });
    expect(first.status).toBe(STATUS_OK);
    // Protocol 1.1: the answer carries this boot's id and the stream's first index (0: the boot's first stream).
    expect(first.bootId).toBeGreaterThan(0);
    expect(first.firstIndex).toBe(0);
    expect(host.command({ reqId: 4, code: CMD_GET_INFO }).info!.streaming).toBe(true);
    board.advance(10);
    expect(host.command({ reqId: 5, code: CMD_STOP_STREAM }).status).toBe(STATUS_OK);
    board.advance(1);
    // STOP_STREAM is answered after every pending sample (SPEC.md 4.5): no frame after it.
    const seq = host.log.sequence;
    expect(seq.slice(seq.indexOf('response 5') + 1).filter((x) => x === 'data')).toEqual([]);
    // At 10 Hz a KEY comes at least once per second (keyInterval = the rate).
    const keys = host.log.blocks.filter((b) => b.key).map((b) => b.firstIndex);
    for (let i = 1; i < keys.length; i++) expect(keys[i]! - keys[i - 1]!).toBeLessThanOrEqual(10);
    const slow = samplesOf(host.log);
    // 10 Hz (+-3 %) for ~10 s after 4 settling periods; frames of at most 2 samples.
    expect(slow.length).toBeGreaterThan(85);
    expect(slow.length).toBeLessThan(110);
    expect(Math.max(...host.log.blocks.map((b) => b.count))).toBeLessThanOrEqual(2);
    expect(host.command({ reqId: 6, code: CMD_SET_SAMPLE_RATE, sampleRateHz: 80 }).sampleRateHz).toBe(80);
    const before = samplesOf(host.log).length;
    const second = host.command({ reqId: 8, code: CMD_START_STREAM });
    board.advance(5);
    host.command({ reqId: 9, code: CMD_STOP_STREAM });
    board.advance(1);
    const fast = samplesOf(host.log).slice(before);
    // Same boot: same id, and the index continues the count of samples taken (the pause between
    // the streams, ~1 s at 10 Hz plus the rate change, is skipped, not restarted at 0).
    expect(second.bootId).toBe(first.bootId);
    expect(fast[0]!.index).toBe(second.firstIndex);
    expect(second.firstIndex).toBeGreaterThan(slow.at(-1)!.index + 5);
    expect(fast.length).toBeGreaterThan(5 * 80 * 0.9);
    expect(host.log.decoder.stats.streamStarts).toBe(2);
  });

  it('SET_SAMPLE_RATE while streaming: the stream goes on at the new rate, indices contiguous, a KEY right after', () => {
    const board = boot({ seed: 16, loads: LOADS });
    board.advance(0.5);
    const host = bleHost(board, 23);
    host.command({ reqId: 1, code: CMD_START_STREAM });
    board.advance(3);
    const before = samplesOf(host.log).length;
    expect(host.command({ reqId: 2, code: CMD_SET_SAMPLE_RATE, sampleRateHz: 10 }).sampleRateHz).toBe(10);
    board.advance(0.5);
    const mid = samplesOf(host.log).length;
    board.advance(5);
    host.command({ reqId: 3, code: CMD_STOP_STREAM });
    board.advance(1);
    const samples = samplesOf(host.log);
    samples.forEach((x, i) => expect(x.index).toBe(i));
    expect(host.log.decoder.stats.rejected).toBe(0);
    expect(before).toBeGreaterThan(3 * 80 * 0.9);
    // About 5 s at 10 Hz after the change (4 periods of settling first).
    expect(samples.length - mid).toBeGreaterThan(40);
    expect(samples.length - mid).toBeLessThan(60);
    const keysAfter = host.log.blocks.filter((b) => b.key && b.firstIndex >= before);
    expect(keysAfter.length).toBeGreaterThan(0);
    expect(keysAfter[0]!.firstIndex).toBeLessThanOrEqual(mid + 1);
  });

  it('SET_CALIBRATION stores a record GET_CALIBRATION returns; TARE measures the offsets', () => {
    const board = boot({ seed: 5, loads: LOADS });
    board.advance(1);
    const host = bleHost(board, 23);
    const rec = { cell: 2, offset: -123456, scale: 2.25e-4, xMm: -175.5, yMm: -181.2 };
    const set = host.command({ reqId: 1, code: CMD_SET_CALIBRATION, calibration: rec });
    expect(set.status).toBe(STATUS_OK);
    expect(set.calibration!.offset).toBe(rec.offset);
    expect(set.calibration!.scale).toBeCloseTo(rec.scale, 10);
    const got = host.command({ reqId: 2, code: CMD_GET_CALIBRATION, cell: 2 }).calibration!;
    expect(got).toEqual(set.calibration);
    expect(host.command({ reqId: 3, code: CMD_GET_INFO }).info!.calibrated).toBe(true);
    const tare = host.command({ reqId: 4, code: CMD_TARE, samples: 40 });
    expect(tare.status).toBe(STATUS_OK);
    // The offsets are the mean of the last 40 words each HX711 produced (+-3 noise sd/sqrt(40)).
    const truth = board.cellTruth();
    for (let c = 0; c < 4; c++) {
      const w = truth[c]!.slice(-44);
      const mean = w.reduce((a, x) => a + x.counts, 0) / w.length;
      expect(Math.abs(tare.offsets![c]! - mean)).toBeLessThan(40);
    }
    const cal0 = host.command({ reqId: 5, code: CMD_GET_CALIBRATION, cell: 0 }).calibration!;
    expect(cal0.offset).toBe(tare.offsets![0]);
    // A second TARE while one runs is BUSY.
    // (Each authenticated first: one pending challenge at a time, so the second right after the first.)
    host.authorize(unhex('12100800'));
    host.link.write(UUID_CONTROL, unhex('12100800'));
    host.authorize(unhex('12110800'));
    host.link.write(UUID_CONTROL, unhex('12110800'));
    board.advance(2);
    const busy = host.log.responses.find((r) => r.reqId === 0x11)!;
    expect(busy.status).toBe(STATUS_BUSY);
    expect(host.log.responses.find((r) => r.reqId === 0x10)!.status).toBe(STATUS_OK);
  });

  it('IDENTIFY blinks the LED, SET_NAME renames (advertising too), GET_NAME reads it', () => {
    const board = boot({ seed: 6, loads: LOADS });
    board.advance(0.5);
    const host = bleHost(board, 23);
    expect(host.command({ reqId: 1, code: CMD_IDENTIFY, seconds: 2 }).status).toBe(STATUS_OK);
    let lit = 0;
    for (let i = 0; i < 100; i++) {
      board.advance(0.02);
      lit += board.pinLevel(1);
    }
    expect(lit).toBeGreaterThan(5);
    expect(lit).toBeLessThan(60);
    expect(host.command({ reqId: 2, code: CMD_GET_NAME }).name).toMatch(/^Tripod-[0-9A-F]{4}$/);
    expect(host.command({ reqId: 3, code: CMD_SET_NAME, name: 'Lab plate 2' }).name).toBe('Lab plate 2');
    expect(host.command({ reqId: 4, code: CMD_GET_NAME }).name).toBe('Lab plate 2');
    host.link.disconnect();
    board.advance(0.5);
    expect(board.ble.advertising()!.name).toBe('Lab plate 2');
  });

  it('answers every malformed command of the control vectors byte for byte, and keeps working', () => {
    const vectors = JSON.parse(readFileSync(new URL('../../protocol/vectors/control.json', import.meta.url), 'utf8')) as {
      vectors: Array<{ name: string; hex: string; refused?: { reqId: number; answerHex: string } }>;
    };
    const refused = vectors.vectors.filter((v) => v.refused);
    expect(refused.length).toBeGreaterThanOrEqual(5);
    const board = boot({ seed: 7, loads: LOADS });
    board.advance(0.5);
    const host = bleHost(board, 23);
    for (const v of refused) {
      // A write is authenticated first (its key check comes before its arguments, SPEC.md 5.5).
      if (AUTH_COMMANDS.includes(unhex(v.hex)[2] ?? 0) && unhex(v.hex)[0] === 0x12) host.authorize(unhex(v.hex));
      const from = host.log.responses.length;
      host.link.write(UUID_CONTROL, unhex(v.hex));
      board.advance(0.2);
      const got = host.log.responses.slice(from);
      expect(got.length, v.name).toBe(1);
      expect(hex(encodeResponse(got[0]!)), v.name).toBe(v.refused!.answerHex);
    }
    // Empty and one-byte writes are answered too (MALFORMED), never ignored.
    for (const bad of ['', '12', '30', 'ff00ff']) {
      const from = host.log.responses.length;
      host.link.write(UUID_CONTROL, unhex(bad));
      board.advance(0.2);
      expect(host.log.responses.length - from, `'${bad}'`).toBe(1);
      expect(host.log.responses[from]!.status).not.toBe(STATUS_OK);
    }
    expect(host.command({ reqId: 99, code: CMD_GET_INFO }).status).toBe(STATUS_OK);
    expect(host.command({ reqId: 100, code: CMD_SET_SAMPLE_RATE, sampleRateHz: 10 }).status).toBe(STATUS_OK);
    expect(board.stats().uncaughtErrors).toBe(0);
  });

  it('REBOOT answers, reboots, and settings and calibration persist', () => {
    const board = boot({ seed: 8, loads: LOADS });
    board.advance(0.5);
    let host = bleHost(board, 23);
    host.command({ reqId: 1, code: CMD_SET_NAME, name: 'Plate-7' });
    host.command({ reqId: 2, code: CMD_SET_SAMPLE_RATE, sampleRateHz: 10 });
    host.command({ reqId: 3, code: CMD_SET_FRAME_SAMPLES, samplesPerFrame: 6 });
    const rec = { cell: 1, offset: 98765, scale: 2.5e-4, xMm: -170, yMm: 190 };
    const stored = host.command({ reqId: 4, code: CMD_SET_CALIBRATION, calibration: rec }).calibration!;
    const t0 = board.now();
    expect(host.command({ reqId: 5, code: CMD_REBOOT }).status).toBe(STATUS_OK);
    board.advance(1);
    // The device clock restarted after the REBOOT command (getTime() counts from the reboot).
    expect(board.deviceTime()).toBeLessThan(board.now() - t0);
    expect(host.link.connected).toBe(false);
    expect(board.ble.advertising()!.name).toBe('Plate-7');
    host = bleHost(board, 23);
    const info = host.command({ reqId: 1, code: CMD_GET_INFO }).info!;
    expect(info.sampleRateHz).toBe(10);
    expect(info.samplesPerFrame).toBe(6);
    expect(info.calibrated).toBe(true);
    expect(host.command({ reqId: 2, code: CMD_GET_NAME }).name).toBe('Plate-7');
    expect(host.command({ reqId: 3, code: CMD_GET_CALIBRATION, cell: 1 }).calibration).toEqual(stored);
    // An emulated power cycle (board.reboot) keeps them too.
    board.reboot();
    board.advance(1);
    host = bleHost(board, 23);
    expect(host.command({ reqId: 4, code: CMD_GET_NAME }).name).toBe('Plate-7');
  });
});

describe('battery and tare edge cases', () => {
  it('sends BATTERY_LOW once when the battery check finds less than 10 %, and fills the Battery Service', () => {
    const board = boot({ seed: 11, loads: LOADS, batteryVolts: 2.05 });
    board.advance(0.5);
    const host = bleHost(board, 23);
    host.command({ reqId: 1, code: CMD_GET_INFO });
    board.advance(125);
    const low = host.log.events.filter((e) => e.code === 1);
    expect(low).toHaveLength(1);
    // The MDBT42Q cannot tell percent (no E.getBattery): 255 and the voltage (SPEC.md 6).
    expect(low[0]!.batteryPercent).toBe(255);
    expect(low[0]!.batteryMv).toBe(2050);
    expect(Array.from(host.link.read(UUID_BATTERY_LEVEL))).toEqual([5]);
  }, 180_000); // 125 s of emulated board: about 40 s of CPU alone, over 60 s at load 7

  it('TARE fails (STATUS_FAILED) when a cell gives no fresh sample, and keeps the stored offsets', () => {
    const board = boot({ seed: 12, loads: LOADS });
    board.advance(1);
    board.setCell(0, { unplugged: 'high' });
    board.advance(1);
    const host = bleHost(board, 23);
    const r = host.command({ reqId: 1, code: CMD_TARE, samples: 20 });
    expect(r.status).toBe(5);
    expect(host.command({ reqId: 2, code: CMD_GET_CALIBRATION, cell: 1 }).calibration!.offset).toBe(0);
  });
});

describe('wired link (Serial1)', () => {
  it('streams the same frames over serial with the console moved away while streaming', () => {
    const board = boot({ seed: 9, loads: LOADS });
    board.advance(0.5);
    expect(board.consoleDevice()).not.toBe('Serial1');
    const host = serialHost(board);
    // Garbage on the wire (REPL text, a cut frame) is skipped.
    board.serial.write(new Uint8Array([0x4f, 0x4b, 0x0d, 0x0a, 0x00, 0x05, 0x11]));
    const info = host.command({ reqId: 1, code: CMD_GET_INFO }).info!;
    expect(info.payloadBytes).toBe(50);
    expect(host.command({ reqId: 2, code: CMD_START_STREAM }).status).toBe(STATUS_OK);
    expect(board.consoleDevice()).toBe('LoopbackA');
    // A BLE central may not take the console (or the stream) while the wire streams.
    const ble = bleHost(board, 23);
    expect(board.consoleDevice()).toBe('LoopbackA');
    expect(ble.command({ reqId: 3, code: CMD_START_STREAM }).status).toBe(STATUS_BUSY);
    ble.link.disconnect();
    board.advance(5);
    expect(host.command({ reqId: 4, code: CMD_STOP_STREAM }).status).toBe(STATUS_OK);
    board.advance(1);
    const samples = samplesOf(host.log);
    expect(samples.length).toBeGreaterThan(5 * 80 * 0.9);
    samples.forEach((s, i) => expect(s.index).toBe(i));
    expect(host.log.decoder.stats.rejected).toBe(0);
    const truth = board.cellTruth();
    for (let c = 0; c < 4; c++) {
      const j0 = alignTruth(truth[c]!, samples, c);
      expect(j0).toBeGreaterThanOrEqual(0);
      samples.forEach((s, i) => expect(truth[c]![j0 + i]!.counts).toBe(s.counts[c]));
    }
    // After streaming the force is released, yet a BLE central does not get the REPL (the firmware
    // declares its services with uart: false), and when it leaves the console stays parked (not on
    // Serial1, where it would eat the wired protocol).
    const ble2 = bleHost(board, 23);
    expect(board.consoleDevice()).toBe('LoopbackA');
    ble2.link.disconnect();
    board.advance(0.5);
    expect(board.consoleDevice()).toBe('LoopbackA');
    expect(host.command({ reqId: 5, code: CMD_GET_NAME }).status).toBe(STATUS_OK);
  });
});

describe('power', () => {
  it('with nobody connected for idleS (60 s), stops sampling and powers the HX711s down, still advertising', () => {
    const board = boot({ seed: 10, loads: LOADS });
    board.advance(5);
    expect(board.pinLevel(14)).toBe(0);
    const reads = board.stats().hx711[0]!.readsCompleted;
    expect(reads).toBeGreaterThan(300);
    board.advance(60);
    expect(board.pinLevel(14)).toBe(1);
    const after = board.stats().hx711[0]!.readsCompleted;
    board.advance(30);
    expect(board.stats().hx711[0]!.readsCompleted).toBe(after);
    expect(board.ble.advertising()).not.toBeNull();
    // A central connects: the chips power up and stream after settling.
    const host = bleHost(board, 23);
    expect(board.pinLevel(14)).toBe(0);
    host.command({ reqId: 1, code: CMD_START_STREAM });
    board.advance(2);
    expect(samplesOf(host.log).length).toBeGreaterThan(100);
    // The model counts the power-down when the clock comes back low; none happened mid-read.
    for (const h of board.stats().hx711) expect({ powerDowns: h.powerDowns, midRead: h.midReadPowerDowns }).toEqual({ powerDowns: 1, midRead: 0 });
    expect(board.timingViolations()).toEqual([]);
  });
});
