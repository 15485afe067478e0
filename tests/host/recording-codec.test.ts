import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingParser, encodeJsonRecord, encodeMessageRecord } from '../../host/recording/codec.ts';
import { RECORD_HEADER, RECORDING_MAGIC, type RecordingRecord } from '../../host/recording/format.ts';
import { crc32, crc32Range, crc32Table } from '../../host/recording/crc32.ts';
import { RecordingWriter } from '../../host/recording/writer.ts';
import { describeDamage, openRecording } from '../../host/recording/reader.ts';

const HEADER = {
  format: 'tripod-recording' as const,
  formatVersion: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  software: { name: 'tripod', version: 'test' },
  source: { kind: 'sim', description: 'test' },
  board: null,
  calibration: null,
  subjectId: 'S01',
  notes: null,
};

function sampleFile(n: number): { bytes: Uint8Array; messages: Uint8Array[] } {
  const parts: Uint8Array[] = [RECORDING_MAGIC, encodeJsonRecord(RECORD_HEADER, HEADER)];
  const messages: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const m = new Uint8Array(5 + (i % 17)).map((_, k) => (i * 31 + k * 7) & 0xff);
    messages.push(m);
    parts.push(encodeMessageRecord(i % 5 === 0 ? 'control' : 'data', 1_700_000_000_000 + i * 12.5, m));
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const p of parts) { bytes.set(p, off); off += p.length; }
  return { bytes, messages };
}

function parseAll(bytes: Uint8Array, chunk: number): { records: RecordingRecord[]; parser: RecordingParser } {
  const parser = new RecordingParser();
  const records: RecordingRecord[] = [];
  for (let i = 0; i < bytes.length; i += chunk) records.push(...parser.push(bytes.slice(i, i + chunk)));
  records.push(...parser.finish());
  return { records, parser };
}

describe('recording codec', () => {
  it('crc32 matches the zlib check value and the table fallback', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Table(check)).toBe(0xcbf43926);
  });

  it('crc32Range (the record check) equals the table CRC of the range, every length 0-300 at every alignment', () => {
    const buf = new Uint8Array(320);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 151 + 7) & 0xff;
    for (let start = 0; start < 9; start++) {
      for (let len = 0; start + len <= 309 && len <= 300; len++) {
        expect(crc32Range(buf, start, start + len), `${start}+${len}`).toBe(crc32Table(buf.subarray(start, start + len)));
      }
    }
  });

  it('golden bytes of a message record', () => {
    const rec = encodeMessageRecord('data', 1, new Uint8Array([0xde, 0xad]));
    // sync a5 5a, type 02, length 0b000000, channel 00, f64 1.0 LE, payload, crc
    expect(Buffer.from(rec.subarray(0, 18)).toString('hex')).toBe('a55a020b00000000000000000000f03fdead');
    expect(rec.length).toBe(22);
  });

  it('round-trips every record under any chunking', () => {
    const { bytes, messages } = sampleFile(50);
    for (const chunk of [1, 2, 3, 7, 64, 100_000]) {
      const { records, parser } = parseAll(bytes, chunk);
      expect(records[0]?.type).toBe('header');
      const msgs = records.filter((r) => r.type === 'message');
      expect(msgs.map((r) => Array.from(r.bytes))).toEqual(messages.map((m) => Array.from(m)));
      expect(msgs[3]).toMatchObject({ channel: 'data', hostTimeMs: 1_700_000_000_000 + 3 * 12.5 });
      expect(parser.truncatedAt).toBeNull();
      expect(parser.damaged).toEqual([]);
      expect(parser.intactBytes).toBe(bytes.length);
    }
  });

  it('a file cut at any byte yields every whole record before the cut and the exact offset', () => {
    const { bytes } = sampleFile(12);
    const full = parseAll(bytes, bytes.length).records;
    const ends = full.map((r, i) => (i + 1 < full.length ? full[i + 1]!.offset : bytes.length));
    for (let cut = RECORDING_MAGIC.length; cut < bytes.length; cut++) {
      const { records, parser } = parseAll(bytes.subarray(0, cut), 13);
      const whole = ends.filter((e) => e <= cut).length;
      expect(records.length).toBe(whole);
      const expectedCut = whole === full.length ? null : full[whole]!.offset;
      expect(parser.truncatedAt).toBe(expectedCut === cut ? null : expectedCut);
      expect(parser.damaged).toEqual([]);
    }
  });

  it('skips a corrupted record, reports its byte range, and keeps everything after it', () => {
    const { bytes, messages } = sampleFile(20);
    const full = parseAll(bytes, bytes.length).records;
    const victim = full[6]!; // message 5 (record 0 is the header)
    for (const flipAt of [2, 3, 4, 9, 12]) {
      const bad = bytes.slice();
      bad[victim.offset + flipAt]! ^= 0x40;
      const { records, parser } = parseAll(bad, 37);
      const msgs = records.filter((r) => r.type === 'message').map((r) => Array.from(r.bytes));
      expect(msgs).toEqual(messages.filter((_, i) => i !== 5).map((m) => Array.from(m)));
      expect(parser.damaged.length).toBe(1);
      expect(parser.damaged[0]!.offset).toBe(victim.offset);
      expect(parser.damaged[0]!.length).toBe(full[7]!.offset - victim.offset);
    }
  });

  it('garbage between records is skipped and reported', () => {
    const { bytes, messages } = sampleFile(5);
    const full = parseAll(bytes, bytes.length).records;
    const at = full[3]!.offset;
    const garbage = new Uint8Array([0xa5, 0x00, 0x5a, 0xa5, 0x5a, 0xff, 1, 2, 3]);
    const mixed = new Uint8Array(bytes.length + garbage.length);
    mixed.set(bytes.subarray(0, at));
    mixed.set(garbage, at);
    mixed.set(bytes.subarray(at), at + garbage.length);
    const { records, parser } = parseAll(mixed, 4);
    expect(records.filter((r) => r.type === 'message').length).toBe(messages.length);
    expect(parser.damaged).toEqual([{ offset: at, length: garbage.length, reason: 'no record sync' }]);
  });

  it('rejects a file that is not a recording with a precise message', () => {
    const p = new RecordingParser();
    expect(() => p.push(new TextEncoder().encode('time,f0,f1\n'))).toThrow(/not a Tripod recording: the file starts with 74 69 6d 65/);
    expect(() => new RecordingParser().finish()).toThrow(/empty file/);
  });
});

describe('recording writer and reader', () => {
  it('writes a file the reader returns whole, and reports a clean end', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-rec-'));
    const file = path.join(dir, 'a.tripod');
    const w = RecordingWriter.create(file, HEADER);
    w.writeMessage('data', 10, new Uint8Array([1, 2, 3]));
    w.writeLink({ event: 'link-lost', hostTimeMs: 11 });
    w.writeNote({ kind: 'tare', hostTimeMs: 12 });
    w.close('done');
    expect(() => RecordingWriter.create(file, HEADER)).toThrow(/already exists; choose another file or open it with overwrite/);
    const { report, records } = openRecording(file);
    const all = [...records()];
    expect(all.map((r) => r.type)).toEqual(['header', 'message', 'link', 'note', 'end']);
    expect(report.header?.subjectId).toBe('S01');
    expect(report.end?.messages).toBe(1);
    expect(describeDamage(report)).toBeNull();
    // cut the END record in half: everything before it still reads, and the cut offset is reported
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 5);
    const again = openRecording(file);
    expect([...again.records()].map((r) => r.type)).toEqual(['header', 'message', 'link', 'note']);
    expect(again.report.truncatedAt).toBe(all[4]!.offset);
    expect(describeDamage(again.report)).toMatch(new RegExp(`stopped at byte offset ${all[4]!.offset} of ${size - 5}`));
    fs.rmSync(dir, { recursive: true });
  });
});

describe('recording parser under random damage (fast-check)', () => {
  it('never throws past the magic, returns only intact records, in order, and accounts for every byte', async () => {
    const fc = await import('fast-check');
    const { bytes, messages } = sampleFile(40);
    const key = (m: Uint8Array): string => Array.from(m).join(',');
    const original = messages.map(key);
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 8, max: bytes.length - 1 }), len: fc.integer({ min: 0, max: 40 }), fill: fc.integer({ min: 0, max: 255 }), mode: fc.constantFrom('flip', 'cut', 'insert') }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 300 }),
        (damage, chunk) => {
          let b = bytes.slice();
          for (const d of damage) {
            const at = Math.min(d.at, b.length);
            if (d.mode === 'flip') for (let i = at; i < Math.min(b.length, at + Math.max(1, d.len)); i++) b[i] = d.fill;
            else if (d.mode === 'cut') b = new Uint8Array([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + d.len))]);
            else b = new Uint8Array([...b.subarray(0, at), ...new Uint8Array(d.len).fill(d.fill), ...b.subarray(at)]);
          }
          const { records, parser } = parseAll(b, chunk);
          const got = records.filter((r) => r.type === 'message').map((r) => (r.type === 'message' ? key(r.bytes) : ''));
          // every returned message is an original one, in the original order
          let j = 0;
          for (const g of got) {
            while (j < original.length && original[j] !== g) j++;
            expect(j).toBeLessThan(original.length);
            j++;
          }
          // intact records + damaged ranges + a cut tail cover the whole file
          const damaged = parser.damaged.reduce((a, r) => a + r.length, 0);
          const tail = parser.truncatedAt === null ? 0 : b.length - parser.truncatedAt;
          expect(parser.intactBytes + damaged + tail).toBe(b.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
