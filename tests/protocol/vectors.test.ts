/**
 * Golden vectors (protocol/vectors/*.json) against the reference code, both directions, and the
 * coverage rule: every message kind in SPEC.md's table, every command and every event has a vector.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  COMMAND_CODES,
  EVENT_CODES,
  MESSAGE_KINDS,
  createSerialDeframer,
  createStreamDecoder,
  decodeCommand,
  decodeDeviceMessage,
  authTag,
  encodeCommand,
  encodeCommandError,
  encodeEvent,
  encodeResponse,
  encodeSerialFrame,
} from '../../protocol/index.ts';
import type { CommandMessage, EventMessage, ResponseMessage } from '../../protocol/index.ts';
import { encodeVector, fromHex, toHex } from './make-vectors.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = (name: string): any => JSON.parse(readFileSync(join(ROOT, 'protocol', 'vectors', name), 'utf8'));
const sample = load('sample-frames.json');
const control = load('control.json');
const serial = load('serial.json');
const spec = readFileSync(join(ROOT, 'protocol', 'SPEC.md'), 'utf8');

const hex = toHex;
const bytes = fromHex;

describe('sample-frame vectors', () => {
  for (const v of sample.vectors) {
    it(`${v.name}: decodes as recorded`, () => {
      const dec = createStreamDecoder();
      v.frames.forEach((h: string, i: number) => {
        const b = dec.push(bytes(h));
        const want = v.expect[i];
        if (want.error) {
          expect(b, `frame ${i}`).toBeNull();
          expect(dec.lastError?.code, `frame ${i}`).toBe(want.error);
        } else {
          expect(b, `frame ${i}: ${dec.lastError?.message}`).not.toBeNull();
          expect({ ...b!, counts: Array.from(b!.counts), flags: Array.from(b!.flags) }).toEqual(want.block);
        }
      });
      const bad = v.expect.filter((e: any) => e.error).length;
      expect(dec.stats.rejected).toBe(bad);
      expect(dec.stats.frames).toBe(v.frames.length);
    });
    if (v.encoder) {
      it(`${v.name}: the encoder produces exactly these bytes`, () => {
        const e = v.encoder;
        const out = encodeVector(e);
        expect(out).toEqual(v.frames);
        // And the decoded counts are the encoded samples, bit for bit.
        const dec = createStreamDecoder();
        const got: number[] = [];
        for (const h of out) got.push(...dec.push(bytes(h))!.counts);
        expect(got).toEqual(e.samples.flatMap((s: number[]) => s.slice(0, 4)));
      });
    }
  }

  it('pins the worked examples of SPEC.md section 4.7', () => {
    const byName = (n: string): any => sample.vectors.find((v: any) => v.name === n);
    expect(byName('key-limits').frames[0]).toBe('1000000056341240ffff7f000080000000ffffff');
    expect(byName('key-then-deltas-second-order').frames.slice(0, 3)).toEqual([
      '10000000e8030040a08601b03cff1b4e00e8fd00',
      '1101280afd0a641400ec0014001400',
      '11042614c00214400114c002',
    ]);
    const wrap = byName('index-and-time-wrap');
    expect(wrap.expect.map((e: any) => e.block.firstIndex)).toEqual([16777214, 16777215, 16777218, 16777219]);
    expect(wrap.expect[2].block.deviceTimeMs).toBe(0xfffff0 + 20);
  });
});

/** A vector's decoded message with its byte fields (AUTH tag, SET_KEY key, AUTH_CHALLENGE nonce; hex in the file) as Uint8Array. */
function revive(d: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!d) return d;
  const out = { ...d };
  for (const k of ['tag', 'key', 'nonce']) if (typeof out[k] === 'string') out[k] = bytes(out[k] as string);
  return out;
}

describe('control vectors', () => {
  for (const raw of control.vectors) {
    const v = { ...raw, decoded: revive(raw.decoded) };
    it(`${v.name}`, () => {
      const b = bytes(v.hex);
      if (v.message === 'AUTH_TAG') {
        expect(hex(authTag(bytes(v.input.keyHex), bytes(v.input.nonceHex), bytes(v.input.commandHex)))).toBe(v.hex);
        return;
      }
      if (v.message === 'COMMAND' && v.decoded) {
        expect(hex(encodeCommand(v.decoded as CommandMessage))).toBe(v.hex);
        expect(decodeCommand(b)).toEqual({ ok: true, command: v.decoded });
      } else if (v.message === 'COMMAND') {
        const d = decodeCommand(b);
        expect(d.ok).toBe(false);
        if (d.ok) return;
        expect({ reqId: d.reqId, code: d.code, status: d.status }).toEqual({ reqId: v.refused.reqId, code: v.refused.code, status: v.refused.status });
        expect(d.reason.length).toBeGreaterThan(5);
        expect(hex(encodeCommandError(d))).toBe(v.refused.answerHex);
        expect(decodeDeviceMessage(bytes(v.refused.answerHex))).toEqual({
          ok: true,
          kind: 'response',
          response: { reqId: v.refused.reqId, code: v.refused.code, status: v.refused.status },
        });
      } else if (v.message === 'RESPONSE' && v.rejected) {
        const d = decodeDeviceMessage(b);
        expect(d.ok).toBe(false);
        if (!d.ok) expect(d.reason).toContain(v.rejected);
      } else if (v.message === 'RESPONSE') {
        if (!v.decodeOnly) expect(hex(encodeResponse(v.decoded as ResponseMessage))).toBe(v.hex);
        expect(decodeDeviceMessage(b)).toEqual({ ok: true, kind: 'response', response: v.decoded });
      } else {
        expect(hex(encodeEvent(v.decoded as EventMessage))).toBe(v.hex);
        expect(decodeDeviceMessage(b)).toEqual({ ok: true, kind: 'event', event: v.decoded });
      }
    });
  }

  it('pins the worked examples of SPEC.md section 5.4', () => {
    const h = (n: string): string => control.vectors.find((v: any) => v.name === n).hex;
    expect(h('cmd-set-calibration')).toBe('12070702924dffffadac6f39f8f8f3f8');
    expect(h('rsp-get-info')).toBe('13010100000301010001045017ff860b03500314');
    expect(h('evt-overflow')).toBe('1403ffe8030000efcdab');
  });
});

describe('serial vectors', () => {
  for (const v of serial.vectors) {
    it(`${v.name}`, () => {
      const d = createSerialDeframer();
      expect(d.push(bytes(v.streamHex)).map(hex)).toEqual(v.messages);
      expect({ ...d.stats }).toEqual(v.stats);
      const bad = v.stats.crcErrors + v.stats.cobsErrors + v.stats.shortFrames + v.stats.oversizeFrames;
      expect(d.lastError() === null).toBe(bad === 0);
    });
  }

  it('good-frame vectors are exactly what encodeSerialFrame produces', () => {
    for (const name of ['serial-command', 'serial-key-frame', 'serial-254-nonzero']) {
      const v = serial.vectors.find((x: any) => x.name === name);
      expect(hex(encodeSerialFrame(bytes(v.messages[0])))).toBe(v.streamHex);
    }
    expect(serial.vectors.find((x: any) => x.name === 'serial-command').streamHex).toBe('0008120101dbafff8e00');
  });
});

describe('vector coverage', () => {
  const kindsInSpec = [...spec.matchAll(/^\| 0x(1[0-9A-F]) \| ([A-Z_0-9]+) \|/gm)].map((m) => ({ byte: parseInt(m[1]!, 16), name: m[2]! }));

  it('SPEC.md lists exactly the message kinds of constants.ts', () => {
    expect(kindsInSpec.length).toBeGreaterThan(0);
    expect(Object.fromEntries(kindsInSpec.map((k) => [k.name, k.byte]))).toEqual({ ...MESSAGE_KINDS });
  });

  it('every message kind in SPEC.md has a golden vector', () => {
    const covered = new Set<number>();
    for (const v of sample.vectors) v.frames.forEach((f: string, i: number) => v.expect[i].block && covered.add(parseInt(f.slice(0, 2), 16)));
    for (const v of control.vectors) if (v.decoded) covered.add(parseInt(v.hex.slice(0, 2), 16));
    for (const v of serial.vectors) for (const m of v.messages) covered.add(parseInt(m.slice(0, 2), 16));
    const missing = kindsInSpec.filter((k) => !covered.has(k.byte)).map((k) => k.name);
    expect(missing, `message kinds without a good vector: ${missing.join(', ')}`).toEqual([]);
  });

  it('every command code has a command vector and an OK response vector, every event code an event vector', () => {
    const cmds = new Set(control.vectors.filter((v: any) => v.message === 'COMMAND' && v.decoded).map((v: any) => v.decoded.code));
    const oks = new Set(control.vectors.filter((v: any) => v.message === 'RESPONSE' && v.decoded?.status === 0).map((v: any) => v.decoded.code));
    const evts = new Set(control.vectors.filter((v: any) => v.message === 'EVENT').map((v: any) => v.decoded.code));
    for (const [name, code] of Object.entries(COMMAND_CODES)) {
      expect(cmds.has(code), `COMMAND ${name} has no vector`).toBe(true);
      expect(oks.has(code), `RESPONSE to ${name} has no vector`).toBe(true);
      expect(spec.includes(`| 0x${code.toString(16).padStart(2, '0').toUpperCase()} | ${name} |`), `SPEC.md command table lacks ${name}`).toBe(true);
    }
    for (const [name, code] of Object.entries(EVENT_CODES)) {
      expect(evts.has(code), `EVENT ${name} has no vector`).toBe(true);
      expect(spec.includes(`| 0x${code.toString(16).padStart(2, '0').toUpperCase()} | ${name} |`), `SPEC.md event table lacks ${name}`).toBe(true);
    }
  });

  it('vectors cover the required edge cases', () => {
    const names = new Set<string>([...sample.vectors, ...control.vectors, ...serial.vectors].map((v: any) => v.name));
    for (const n of [
      'key-limits', 'index-and-time-wrap', 'width-24', 'full-scale-jumps', 'key-with-delta-block', 'error-truncated-key', 'error-truncated-delta', 'serial-bad-crc', 'serial-truncated',
      // protocol 1.2 and the points SPEC.md 4.3-4.8, 5.2, 7 settled (issue 16)
      'v12-key2-then-delta2', 'v12-predictor-orders', 'v12-skip-511-lost-key2', 'v11-skip-511-lost-key', 'v12-lost-before-stream-start', 'v12-lost-stream-start-parity',
      'v12-duplicate-and-late-delta2', 'v12-time-u16', 'join-mid-stream', 'error-precedence', 'major-2-keeps-chain', 'key-interval-128', 'error-key-overdue',
      'stream-restart-time', 'error-overflow-flag-in-delta', 'control-on-data-path', 'serial-oversize', 'rsp-error-trailing-bytes', 'rsp-start-stream-short-body',
      'rsp-calibration-bad-cell', 'rsp-name-control-char', 'cmd-set-name-empty', 'cmd-start-stream-format-2', 'rsp-start-stream-format',
    ]) {
      expect(names.has(n), n).toBe(true);
    }
  });
});
