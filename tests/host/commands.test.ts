import { describe, expect, it } from 'vitest';
import { BehaviorSubject, Subject } from 'rxjs';
import {
  CMD_AUTH_CHALLENGE,
  CMD_TARE,
  STATUS_UNKNOWN_COMMAND,
  STATUS_BUSY,
  STATUS_OK,
  decodeCommand,
  encodeEvent,
  encodeResponse,
  EVT_OVERFLOW,
} from '../../protocol/index.ts';
import { CommandClient, CommandError } from '../../host/transport/commands.ts';
import type { ConnectionState, LinkEvent, ReceivedMessage, Transport } from '../../host/transport/transport.ts';
import { BoundedDelivery } from '../../host/pipeline/delivery.ts';
import { parseSourceFlags } from '../../host/cli/source-flags.ts';
import type { ForceSample, PipelineEvent } from '../../host/pipeline/types.ts';

/** A transport whose board is a function from command bytes to reply messages (sent synchronously). */
function fakeTransport(board: (cmd: Uint8Array) => Uint8Array[]): Transport & { sent: Uint8Array[] } {
  const messages$ = new Subject<ReceivedMessage>();
  const sent: Uint8Array[] = [];
  return {
    kind: 'sim',
    description: 'fake',
    messages$,
    link$: new Subject<LinkEvent>(),
    state$: new BehaviorSubject<ConnectionState>('connected'),
    sent,
    async open() {},
    async close() {
      messages$.complete();
    },
    async send(bytes) {
      sent.push(bytes);
      // A board before protocol 1.3 (no AUTH_CHALLENGE): writes go without authentication.
      const replies = bytes[2] === CMD_AUTH_CHALLENGE ? [encodeResponse({ reqId: bytes[1]!, code: CMD_AUTH_CHALLENGE, status: STATUS_UNKNOWN_COMMAND })] : board(bytes);
      // The reply arrives before send() even returns: only a subscription made before writing sees it.
      for (const r of replies) messages$.next({ channel: 'control', bytes: r, hostTimeMs: 0 });
    },
  };
}

describe('command client', () => {
  it('subscribes before writing: a reply delivered inside send() is not missed', async () => {
    const t = fakeTransport((b) => {
      const c = decodeCommand(b);
      if (!c.ok) return [];
      return [encodeResponse({ reqId: c.command.reqId, code: c.command.code, status: STATUS_OK, offsets: [1, 2, 3, 4] })];
    });
    const client = new CommandClient(t, 200);
    await expect(client.tare(10)).resolves.toEqual([1, 2, 3, 4]);
  });

  it('matches replies by request id when answers come out of order, ignoring events in between', async () => {
    const held: Array<{ reqId: number; code: number }> = [];
    const t = fakeTransport((b) => {
      const c = decodeCommand(b);
      if (c.ok) held.push({ reqId: c.command.reqId, code: c.command.code });
      if (held.length < 2) return [];
      // answer the second first, with an event in between
      return [
        encodeResponse({ reqId: held[1]!.reqId, code: held[1]!.code, status: STATUS_OK, name: 'second' }),
        encodeEvent({ code: EVT_OVERFLOW, seq: 1, dropped: 3, index: 5 }),
        encodeResponse({ reqId: held[0]!.reqId, code: held[0]!.code, status: STATUS_OK, name: 'first' }),
      ];
    });
    // (Reads: writes go one at a time since protocol 1.3, each after its own challenge.)
    const client = new CommandClient(t, 500);
    const a = client.getName();
    const b = client.getName();
    await expect(a).resolves.toBe('first');
    await expect(b).resolves.toBe('second');
    expect(held[0]!.reqId).not.toBe(held[1]!.reqId);
  });

  it('a board that never answers: CommandError naming the command and the wait', async () => {
    const t = fakeTransport(() => []);
    const client = new CommandClient(t, 50);
    const e = await client.getInfo().catch((x) => x);
    expect(e).toBeInstanceOf(CommandError);
    expect(e.timedOut).toBe(true);
    expect(e.command).toBe('GET_INFO');
    expect(e.message).toMatch(/^board did not answer GET_INFO within 50 ms \(request id \d+\)/);
  });

  it('a refusal names the command and the status', async () => {
    const t = fakeTransport((b) => {
      const c = decodeCommand(b);
      return c.ok ? [encodeResponse({ reqId: c.command.reqId, code: CMD_TARE, status: STATUS_BUSY })] : [];
    });
    await expect(new CommandClient(t, 100).tare()).rejects.toThrow('board refused TARE: BUSY (0x04)');
  });
});

describe('bounded delivery', () => {
  const sample = (i: number): ForceSample => ({ index: i, t: i / 80, hostTimeMs: 0, raw: [0, 0, 0, 0], forces: [0, 0, 0, 0], total: 0, cop: null, flags: 0 });

  it('the producer never waits; a consumer that falls behind loses the oldest samples, counted exactly', async () => {
    const d = new BoundedDelivery(100);
    const got: number[] = [];
    const events: PipelineEvent[] = [];
    d.samples$.subscribe((s) => got.push(s.index));
    d.events$.subscribe((e) => events.push(e));
    for (let i = 0; i < 250; i++) d.pushSample(sample(i)); // a burst with no turn of the event loop
    d.pushEvent({ type: 'gap', fromIndex: 250, count: 1, reason: 'x' });
    expect(got).toEqual([]); // nothing delivered inside the producer's callback
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => 150 + i));
    expect(events[0]).toEqual({ type: 'consumer-overflow', dropped: 150 });
    expect(events[1]).toMatchObject({ type: 'gap' }); // events are never dropped
    expect(d.dropped).toBe(150);
  });

  it('holds what arrives before the first subscriber (bounded) and delivers it once one subscribes', async () => {
    const d = new BoundedDelivery(100);
    for (let i = 0; i < 30; i++) d.pushSample(sample(i));
    await new Promise((r) => setTimeout(r, 5)); // the caller awaits something else first
    const got: number[] = [];
    d.samples$.subscribe((s) => got.push(s.index));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('keeps order and drops nothing while the consumer keeps up', async () => {
    const d = new BoundedDelivery(100);
    const got: number[] = [];
    d.samples$.subscribe((s) => got.push(s.index));
    for (let k = 0; k < 10; k++) {
      for (let i = 0; i < 50; i++) d.pushSample(sample(k * 50 + i));
      await new Promise((r) => setImmediate(r));
    }
    d.close();
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(d.dropped).toBe(0);
  });
});

describe('source flags', () => {
  it('defaults to the simulated board; --ble takes an optional id; conflicts are usage errors', () => {
    expect(parseSourceFlags({}, [])).toEqual({ source: { kind: 'sim', seed: 1 }, calibrationFile: null });
    expect(parseSourceFlags({ ble: true }, [])).toEqual({ source: { kind: 'ble' }, calibrationFile: null });
    expect(parseSourceFlags({ ble: true }, ['Tripod-1A2B'])).toEqual({ source: { kind: 'ble', id: 'Tripod-1A2B' }, calibrationFile: null });
    expect(parseSourceFlags({ serial: '/dev/ttyACM0', calibration: 'c.json' }, [])).toEqual({ source: { kind: 'serial', path: '/dev/ttyACM0' }, calibrationFile: 'c.json' });
    expect(() => parseSourceFlags({ ble: true, serial: '/dev/x' }, [])).toThrow('choose one board source, got --ble and --serial');
    expect(() => parseSourceFlags({}, ['Tripod-1A2B'])).toThrow("unexpected argument 'Tripod-1A2B'");
    expect(() => parseSourceFlags({ 'sim-seed': '-1' }, [])).toThrow("--sim-seed must be a non-negative integer, got '-1'");
  });
});
