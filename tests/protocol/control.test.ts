/** Control messages beyond the golden vectors: validation errors, size limits, forward compatibility. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CMD_GET_INFO,
  CMD_SET_CALIBRATION,
  CMD_SET_NAME,
  CMD_SET_SAMPLE_RATE,
  CMD_START_STREAM,
  CMD_TARE,
  CONTROL_MAX_BYTES,
  EVT_OVERFLOW,
  EVT_STORAGE_FAULT,
  STORAGE_FAULT_CALIBRATION,
  STATUS_MALFORMED,
  STATUS_OK,
  decodeCommand,
  decodeDeviceMessage,
  decodeEvent,
  decodeResponse,
  encodeCommand,
  encodeEvent,
  encodeResponse,
  statusName,
} from '../../protocol/index.ts';

describe('encoders refuse bad fields with a TypeError naming them', () => {
  it.each([
    [{ reqId: 256, code: CMD_GET_INFO }, 'reqId'],
    [{ reqId: 1, code: CMD_SET_SAMPLE_RATE, sampleRateHz: 50 }, 'sampleRateHz'],
    [{ reqId: 1, code: CMD_SET_NAME, name: '' }, 'name'],
    [{ reqId: 1, code: CMD_SET_NAME, name: 'x'.repeat(17) }, 'name'],
    [{ reqId: 1, code: CMD_SET_NAME, name: 'tab\there' }, 'name'],
    [{ reqId: 1, code: CMD_SET_CALIBRATION }, 'calibration'],
    [{ reqId: 1, code: CMD_SET_CALIBRATION, calibration: { cell: 4, offset: 0, scale: 1, xMm: 0, yMm: 0 } }, 'calibration.cell'],
    [{ reqId: 1, code: CMD_SET_CALIBRATION, calibration: { cell: 0, offset: 0, scale: NaN, xMm: 0, yMm: 0 } }, 'calibration.scale'],
    [{ reqId: 1, code: CMD_SET_CALIBRATION, calibration: { cell: 0, offset: 0.5, scale: 1, xMm: 0, yMm: 0 } }, 'calibration.offset'],
    [{ reqId: 1, code: CMD_SET_CALIBRATION, calibration: { cell: 0, offset: 0, scale: 1, xMm: 4000, yMm: 0 } }, 'calibration.xMm'],
    [{ reqId: 1, code: CMD_TARE, samples: 300 }, 'samples'],
  ])('encodeCommand(%j) names %s', (cmd, field) => {
    expect(() => encodeCommand(cmd)).toThrow(TypeError);
    expect(() => encodeCommand(cmd)).toThrow(field);
  });

  it('encodeResponse needs the body an OK status promises', () => {
    expect(() => encodeResponse({ reqId: 1, code: CMD_GET_INFO, status: STATUS_OK })).toThrow('info');
    expect(() => encodeResponse({ reqId: 1, code: CMD_TARE, status: STATUS_OK, offsets: [1, 2, 3] })).toThrow('offsets');
    expect(encodeResponse({ reqId: 1, code: CMD_GET_INFO, status: STATUS_MALFORMED })).toEqual(new Uint8Array([0x13, 1, 1, 2]));
  });

  it('encodeEvent needs its fields', () => {
    expect(() => encodeEvent({ code: EVT_STORAGE_FAULT, seq: 0 })).toThrow('storage');
    expect(() => encodeEvent({ code: EVT_STORAGE_FAULT, seq: 0, storage: 0 })).toThrow('storage');
    expect(() => encodeResponse({ reqId: 1, code: CMD_START_STREAM, status: STATUS_OK, bootId: 0 })).toThrow('bootId');
    expect(() => encodeResponse({ reqId: 1, code: CMD_START_STREAM, status: STATUS_OK, bootId: 5, firstIndex: 2 ** 24 })).toThrow('firstIndex');
    expect(() => encodeEvent({ code: EVT_OVERFLOW, seq: 0 })).toThrow('dropped');
    expect(() => encodeEvent({ code: EVT_OVERFLOW, seq: 300, dropped: 1 })).toThrow('seq');
  });
});

describe('sizes and round trips', () => {
  it('every command, response and event fits 20 bytes', () => {
    const cal = { cell: 3, offset: -2147483648, scale: -1e30, xMm: -3276.8, yMm: 3276.7 };
    const msgs = [
      encodeCommand({ reqId: 0, code: CMD_SET_CALIBRATION, calibration: cal }),
      encodeCommand({ reqId: 0, code: CMD_SET_NAME, name: 'x'.repeat(16) }),
      encodeResponse({ reqId: 0, code: CMD_SET_NAME, status: STATUS_OK, name: 'y'.repeat(16) }),
      encodeResponse({ reqId: 0, code: CMD_TARE, status: STATUS_OK, offsets: [1, 2, 3, 4] }),
      encodeEvent({ code: EVT_OVERFLOW, seq: 1, dropped: 0xffffffff, index: 0xffffff }),
    ];
    for (const m of msgs) expect(m.length).toBeLessThanOrEqual(CONTROL_MAX_BYTES);
  });

  it('calibration records round-trip (scale as float32, positions to 0.1 mm)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: -2147483648, max: 2147483647 }),
        fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.nat(255),
        (cell, offset, scale, xt, yt, reqId) => {
          const calibration = { cell, offset, scale: Math.fround(scale) || 0, xMm: xt / 10, yMm: yt / 10 };
          const d = decodeCommand(encodeCommand({ reqId, code: CMD_SET_CALIBRATION, calibration }));
          expect(d).toEqual({ ok: true, command: { reqId, code: CMD_SET_CALIBRATION, calibration } });
          const r = decodeResponse(encodeResponse({ reqId, code: CMD_SET_CALIBRATION, status: STATUS_OK, calibration }));
          expect(r.ok && r.response.calibration).toEqual(calibration);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names statuses', () => {
    expect(statusName(0)).toBe('OK');
    expect(statusName(6)).toBe('UNSUPPORTED_VERSION');
    expect(statusName(0x99)).toBe('STATUS_0x99');
  });
});

describe('forward compatibility (newer minor)', () => {
  it('ignores bytes after the known arguments of a command', () => {
    expect(decodeCommand(new Uint8Array([0x12, 5, CMD_SET_SAMPLE_RATE, 80, 0xaa, 0xbb]))).toEqual({
      ok: true,
      command: { reqId: 5, code: CMD_SET_SAMPLE_RATE, sampleRateHz: 80 },
    });
  });

  it('ignores trailing bytes of a response and decodes an unknown event code with code and seq only', () => {
    const r = decodeDeviceMessage(new Uint8Array([0x13, 4, CMD_SET_SAMPLE_RATE, 0, 80, 1, 2, 3]));
    expect(r).toEqual({ ok: true, kind: 'response', response: { reqId: 4, code: CMD_SET_SAMPLE_RATE, status: 0, sampleRateHz: 80 } });
    expect(decodeEvent(new Uint8Array([0x14, 0x42, 7, 1, 2]))).toEqual({ ok: true, kind: 'event', event: { code: 0x42, seq: 7 } });
  });

  it('refuses another major and other kinds with a reason', () => {
    const d = decodeDeviceMessage(new Uint8Array([0x23, 1, 1, 0]));
    expect(d.ok).toBe(false);
    expect(!d.ok && d.reason).toMatch(/major 2/);
    expect(decodeDeviceMessage(new Uint8Array([0x10, 0, 0, 0])).ok).toBe(false);
    expect(decodeResponse(new Uint8Array([0x14, 1, 0, 9, 0, 0])).ok).toBe(false);
    expect(decodeEvent(new Uint8Array([0x13, 1, 1, 0x01])).ok).toBe(false);
    const c = decodeCommand(new Uint8Array([0x13, 1, 1]));
    expect(c.ok === false && c.status).toBe(STATUS_MALFORMED);
    expect(decodeCommand(new Uint8Array([])).ok).toBe(false);
  });

  it('1.1 additions read by a 1.1 host; a 1.0 START_STREAM answer (no body) still decodes', () => {
    expect(decodeEvent(encodeEvent({ code: EVT_STORAGE_FAULT, seq: 3, storage: STORAGE_FAULT_CALIBRATION }))).toEqual({ ok: true, kind: 'event', event: { code: EVT_STORAGE_FAULT, seq: 3, storage: 2 } });
    const short = decodeEvent(new Uint8Array([0x14, EVT_STORAGE_FAULT, 3]));
    expect(!short.ok && short.reason).toBe('STORAGE_FAULT event needs 4 bytes, got 3');
    expect(decodeResponse(new Uint8Array([0x13, 2, CMD_START_STREAM, 0]))).toEqual({ ok: true, kind: 'response', response: { reqId: 2, code: CMD_START_STREAM, status: 0 } });
    const r = decodeResponse(encodeResponse({ reqId: 2, code: CMD_START_STREAM, status: STATUS_OK, bootId: 0xffffffff, firstIndex: 0xffffff }));
    expect(r).toEqual({ ok: true, kind: 'response', response: { reqId: 2, code: CMD_START_STREAM, status: 0, bootId: 0xffffffff, firstIndex: 0xffffff } });
  });

  it('refuses a short OK body instead of inventing values', () => {
    const d = decodeDeviceMessage(new Uint8Array([0x13, 1, CMD_GET_INFO, 0, 1, 2, 3]));
    expect(d.ok).toBe(false);
    expect(!d.ok && d.reason).toMatch(/GET_INFO/);
  });
});
