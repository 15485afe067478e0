/**
 * Hostile chunking of the serial stream: the same bytes split at every single point, at every pair of
 * points, and one byte at a time must give the same messages and the same error counts.
 */
import { describe, expect, it } from 'vitest';
import {
  CMD_GET_INFO,
  CMD_SET_NAME,
  SERIAL_MAX_MESSAGE,
  createFrameEncoder,
  createSerialDeframer,
  encodeCommand,
  encodeSerialFrame,
} from '../../protocol/index.ts';
import type { SerialDeframerStats } from '../../protocol/index.ts';
import { drainFrames } from '../../host/sim/frames.ts';

function cat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A stream with good frames, a bad CRC, garbage, a cut frame, idle zeros and a zero-rich KEY frame. */
function hostileStream(): { stream: Uint8Array; messages: string[] } {
  const enc = createFrameEncoder(50, 8, 80, true);
  enc.start();
  const frames = drainFrames(enc, (add) => {
    for (let i = 0; i < 12; i++) add(i * 256, -i, 0, 65536 * i, 0, i);
  });
  const cmd = encodeCommand({ reqId: 9, code: CMD_SET_NAME, name: 'chunky' });
  const info = encodeCommand({ reqId: 1, code: CMD_GET_INFO });
  const badCrc = encodeSerialFrame(info, 0x12345678);
  const cut = encodeSerialFrame(cmd).subarray(0, 6);
  const stream = cat(
    new Uint8Array([0x3e, 0x20, 0x0d]), // console garbage
    ...frames.map((x) => encodeSerialFrame(x)),
    badCrc,
    encodeSerialFrame(cmd),
    new Uint8Array([0, 0, 0]),
    cut,
    encodeSerialFrame(info),
  );
  return { stream, messages: [...frames.map(hex), hex(cmd), hex(info)] };
}

function run(chunks: Uint8Array[]): { messages: string[]; stats: SerialDeframerStats } {
  const d = createSerialDeframer();
  const messages: string[] = [];
  for (const c of chunks) for (const m of d.push(c)) messages.push(hex(m));
  return { messages, stats: { ...d.stats } };
}

describe('serial deframer under hostile chunking', () => {
  const { stream, messages } = hostileStream();
  const whole = run([stream]);

  it('decodes the whole stream as expected', () => {
    expect(whole.messages).toEqual(messages);
    expect(whole.stats.crcErrors).toBe(1);
    expect(whole.stats.cobsErrors + whole.stats.shortFrames).toBe(2); // the garbage and the cut frame
  });

  it('gives identical results for a split at every point', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(run([stream.subarray(0, i), stream.subarray(i)]), `split at ${i}`).toEqual(whole);
    }
  });

  it('gives identical results for every pair of split points', () => {
    const n = stream.length;
    for (let i = 0; i <= n; i += 1) {
      for (let j = i; j <= n; j += 3) {
        const r = run([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]);
        if (r.messages.length !== whole.messages.length || JSON.stringify(r) !== JSON.stringify(whole)) {
          throw new Error(`splits at ${i} and ${j} differ`);
        }
      }
    }
  });

  it('gives identical results one byte at a time and with empty chunks', () => {
    const bytes = Array.from(stream, (b) => new Uint8Array([b]));
    expect(run(bytes)).toEqual(whole);
    expect(run(bytes.flatMap((b) => [new Uint8Array(0), b]))).toEqual(whole);
  });

  it('drops an oversize frame and resynchronises at the next delimiter', () => {
    const big = new Uint8Array(SERIAL_MAX_MESSAGE + 50).fill(7);
    const info = encodeCommand({ reqId: 1, code: CMD_GET_INFO });
    const s = cat(encodeSerialFrame(big), encodeSerialFrame(info));
    for (const chunks of [[s], Array.from(s, (b) => new Uint8Array([b]))]) {
      const r = run(chunks);
      expect(r.messages).toEqual([hex(info)]);
      expect(r.stats.oversizeFrames).toBe(1);
      expect(r.stats.garbageBytes).toBe(encodeSerialFrame(big).length - 2);
    }
  });

  it('accepts the longest allowed message', () => {
    const max = new Uint8Array(SERIAL_MAX_MESSAGE).map((_, i) => i & 0xff);
    const r = run([encodeSerialFrame(max)]);
    expect(r.messages).toEqual([hex(max)]);
  });
});
