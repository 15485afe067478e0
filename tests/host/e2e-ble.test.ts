/**
 * BLE end to end through real noble code: `@abandonware/noble/with-bindings` driven by a fake radio
 * whose peripherals are emulated boards running the real built firmware (virtual clock).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openBoard, type BoardSession } from '../../host/session.ts';
import { TransportFactory } from '../../host/transport/open.ts';
import type { BleTransport } from '../../host/transport/ble.ts';
import type { ForceSample, PipelineEvent } from '../../host/pipeline/types.ts';
import { FakeRadio } from '../../host/transport/fake-radio.ts';
import { compareWithTruth, drivenBoard, truthPositions } from './helpers/virtual-board.ts';
import { LiveHub } from '../../host/live/hub.ts';
import { sessionSource } from '../../host/live/session-source.ts';
import { fakeAnalysis } from '../live/fake-analysis.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-e2e-ble-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function collect(s: BoardSession): { samples: ForceSample[]; events: PipelineEvent[] } {
  const samples: ForceSample[] = [];
  const events: PipelineEvent[] = [];
  s.samples$.subscribe((x) => samples.push(x));
  s.events$.subscribe((e) => events.push(e));
  return { samples, events };
}

describe('BLE through noble with a fake radio', () => {
  it('scans by service UUID: name, id and RSSI of every advertising board', async () => {
    const a = drivenBoard({ seed: 21, address: 'c0:11:22:33:44:01' });
    const b = drivenBoard({ seed: 22, address: 'c0:11:22:33:44:02' });
    await a.until(0.5);
    await b.until(0.5);
    const bindings = new FakeRadio([
      { board: a.board, address: 'c0:11:22:33:44:01', rssi: -48 },
      { board: b.board, address: 'c0:11:22:33:44:02', rssi: -71 },
    ]);
    const central = await new TransportFactory({ bleBindings: bindings }).bleCentral();
    const found = await central.scan(300);
    a.stop();
    b.stop();
    expect(found.map((f) => f.id)).toEqual(['c01122334401', 'c01122334402']);
    expect(found[0]).toMatchObject({ address: 'c0:11:22:33:44:01', rssi: -48 });
    expect(found[0]!.name).toMatch(/^Tripod-[0-9A-F]{4}$/);
    expect(bindings.calls.indexOf('startScanning')).toBeGreaterThan(bindings.calls.indexOf('init'));
  });

  it('connects by name, negotiates the MTU, streams, records, survives a link loss and reconnects', async () => {
    const d = drivenBoard({ seed: 23, address: 'c0:11:22:33:44:03' });
    await d.until(0.5);
    const name = d.board.ble.advertising()!.name!;
    const bindings = new FakeRadio([{ board: d.board, address: 'c0:11:22:33:44:03' }]);
    const file = path.join(dir, 'ble.tripod');
    const session = await openBoard({ kind: 'ble', id: name }, { transports: new TransportFactory({ bleBindings: bindings }), ble: { reconnectInitialMs: 20 }, record: { path: file } });
    const t = session.transport as BleTransport;
    expect(t.description).toBe(`BLE ${name} (c0:11:22:33:44:03)`);
    const live = collect(session);
    // The live page's hub on the same session: its lost count is what the status bar shows.
    const source = sessionSource(session);
    const hub = new LiveHub(source, fakeAnalysis());
    hub.start();
    await d.until(d.board.now() + 6);
    expect(t.mtu).toBe(53);
    expect((session.info as { mtu: number }).mtu).toBe(53);
    expect(live.samples.length).toBeGreaterThan(400);

    // Link loss: the radio drops; noble hears the disconnect after the supervision timeout.
    const restored = new Promise<void>((r) => session.events$.subscribe((e) => e.type === 'link-restored' && r()));
    bindings.loseLink('c01122334403');
    await restored;
    await d.until(d.board.now() + 4);
    // A command after the reconnect goes through the new link.
    const info = await session.commands!.getInfo();
    expect(info.streaming).toBe(true);
    await session.close();
    hub.stop();
    source.stop();
    d.stop();

    const idx = live.samples.map((s) => s.index);
    const gaps = live.events.filter((e): e is Extract<PipelineEvent, { type: 'gap' }> => e.type === 'gap');
    const holes: Array<[number, number]> = [];
    for (let i = 1; i < idx.length; i++) {
      expect(idx[i]).toBeGreaterThan(idx[i - 1]!);
      if (idx[i] !== idx[i - 1]! + 1) holes.push([idx[i - 1]! + 1, idx[i]! - idx[i - 1]! - 1]);
    }
    expect(holes.length).toBeGreaterThan(0);
    expect(gaps.map((g) => [g.fromIndex, g.count])).toEqual(holes);
    expect(live.events.some((e) => e.type === 'link-lost')).toBe(true);
    // Every value received is a reading an HX711 produced, in order: none shifted, none invented.
    for (const c of compareWithTruth(live.samples, d.board)) expect(c.unmatched, `cell ${c.cell}`).toBe(0);
    // The link-loss gap is exact (the board kept counting across its two streams, same boot id) and
    // equals the samples the board took while disconnected: the HX711 readings between the last
    // sample before the loss and the first after it.
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.reason).toMatch(/^link lost \(.*\); exact: the board kept counting samples \(same boot id\)$/);
    expect(live.samples.every((s) => (s.flags & 0x0f) === 0)).toBe(true);
    const k = truthPositions(live.samples, d.board);
    const at = idx.indexOf(gaps[0]!.fromIndex + gaps[0]!.count);
    expect(k[at - 1]).toBeGreaterThan(0);
    expect(k[at]! - k[at - 1]! - 1).toBe(gaps[0]!.count);
    // The live hub counts the same loss and every sample received.
    expect(hub.stats.lost).toBe(gaps[0]!.count);
    expect(hub.stats.samples).toBe(live.samples.length);

    const replay = await openBoard({ kind: 'replay', file, speed: Infinity });
    const rep = collect(replay);
    await replay.finished;
    await replay.close();
    expect(rep.samples.map((s) => s.index)).toEqual(idx);
    expect(rep.samples.map((s) => s.raw)).toEqual(live.samples.map((s) => s.raw));
    expect(rep.events.filter((e) => e.type === 'gap')).toEqual(gaps);
  });

  it('streams from two boards at once through one central', async () => {
    const a = drivenBoard({ seed: 31, address: 'c0:11:22:33:44:11', loads: () => [300, 10, 10, 300] });
    const b = drivenBoard({ seed: 32, address: 'c0:11:22:33:44:12', loads: () => [10, 300, 300, 10] });
    await a.until(0.5);
    await b.until(0.5);
    const bindings = new FakeRadio([
      { board: a.board, address: 'c0:11:22:33:44:11' },
      { board: b.board, address: 'c0:11:22:33:44:12' },
    ]);
    const central = await new TransportFactory({ bleBindings: bindings }).bleCentral();
    const left = await openBoard({ kind: 'ble', id: 'c0:11:22:33:44:11' }, { ble: { central } });
    const right = await openBoard({ kind: 'ble', id: 'c01122334412' }, { ble: { central } });
    const l = collect(left);
    const r = collect(right);
    await a.until(a.board.now() + 3);
    await left.close();
    await right.close();
    a.stop();
    b.stop();
    expect(l.samples.length).toBeGreaterThan(150);
    expect(r.samples.length).toBeGreaterThan(150);
    // Each session sees its own board: load on the right cells (0, 3) vs the left cells (1, 2).
    const mean = (xs: ForceSample[], c: number): number => xs.reduce((s, x) => s + x.raw[c]!, 0) / xs.length;
    expect(mean(l.samples, 0) - mean(r.samples, 0)).toBeGreaterThan(200 * 4000);
    expect(mean(r.samples, 1) - mean(l.samples, 1)).toBeGreaterThan(200 * 4000);
    expect(l.events.filter((e) => e.type === 'gap')).toEqual([]);
    expect(r.events.filter((e) => e.type === 'gap')).toEqual([]);
  });

  it('no board with that name: one clear line listing what was found', async () => {
    const d = drivenBoard({ seed: 41, address: 'c0:11:22:33:44:21' });
    await d.until(0.5);
    const bindings = new FakeRadio([{ board: d.board, address: 'c0:11:22:33:44:21' }]);
    await expect(openBoard({ kind: 'ble', id: 'Tripod-ZZZZ' }, { transports: new TransportFactory({ bleBindings: bindings }), ble: { scanTimeoutMs: 300 } })).rejects.toThrow(
      /^no Tripod board 'Tripod-ZZZZ' found within 0 s of scanning \(found: Tripod-[0-9A-F]{4}\); is it powered and advertising\?$/,
    );
    d.stop();
  });
});
