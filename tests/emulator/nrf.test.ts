import { describe, expect, it } from 'vitest';
import { createBoard, type EmulatedBoard } from '../../firmware/emulator/index.ts';
import { BLE_APP } from './helpers.ts';

const CH = 'a0b40002-7d4e-4bb4-9c6e-2b1f0e000000';
const CMD = 'a0b40003-7d4e-4bb4-9c6e-2b1f0e000000';
const SVC = 'a0b40001-7d4e-4bb4-9c6e-2b1f0e000000';

function app(extra = '', opts: Partial<Parameters<typeof createBoard>[0]> = {}): EmulatedBoard {
  return createBoard({ source: BLE_APP + extra, clock: 'virtual', address: 'd1:e2:f3:a4:b5:c6', ...opts });
}

describe('emulated nRF52 radio', () => {
  it('advertises the name and the service UUID a scan would see', () => {
    const b = app();
    const adv = b.ble.advertising()!;
    expect(adv.name).toBe('Tripod-B5C6');
    expect(adv.serviceUuids).toEqual([SVC]);
    expect(adv.connectable).toBe(true);
    expect(adv.advBytes).toBeLessThanOrEqual(31);
  });

  it('rejects advertising data that does not fit a legacy packet (DATA_SIZE)', () => {
    const b = app('var err; try { NRF.setAdvertising({}, { name: "A-very-long-device-name", manufacturer: 0x0590, manufacturerData: "0123456789" }); } catch (e) { err = e.message; }');
    expect(b.evaluate('err')).toMatch(/DATA_SIZE/);
  });

  it('connects, exchanges the MTU (capped at 53) and reports connect/mtu events', () => {
    const b = app();
    const link = b.ble.connect({ mtu: 247 });
    b.advance(0.05);
    expect(link.mtu).toBe(53);
    expect(b.evaluate('events.join("|")')).toBe('connect aa:bb:cc:dd:ee:ff public|mtu 53');
    expect(b.ble.advertising()).toBeNull();
  });

  it('delivers notifications only to a subscribed central, one per connection event', () => {
    const b = app();
    const link = b.ble.connect({ mtu: 53, intervalMs: 15 });
    const got: Array<[string, number[]]> = [];
    link.onNotify((c, bytes) => got.push([c, Array.from(bytes)]));
    b.advance(0.05);
    b.evaluate('send(1, 10)');
    b.advance(0.05);
    expect(got).toEqual([]);
    expect(b.stats().ble.notificationsUnsubscribed).toBe(1);
    link.subscribe(CH);
    b.evaluate('send(2, 50)');
    b.advance(0.05);
    expect(got).toEqual([[CH, new Array(50).fill(2)]]);
  });

  it('drops notifications silently when the transmit queue is full, exactly like the device', () => {
    const b = app();
    const link = b.ble.connect({ mtu: 53, intervalMs: 7.5 });
    const got: number[] = [];
    link.onNotify((_c, bytes) => got.push(bytes[0]!));
    link.subscribe(CH);
    b.advance(0.05);
    // three sends in one go: the queue holds one, the other two vanish without an error
    b.evaluate('var threw = false; try { send(1, 20); send(2, 20); send(3, 20); } catch (e) { threw = true; }');
    b.advance(0.05);
    expect(b.evaluate('threw')).toBe(false);
    expect(got).toEqual([1]);
    expect(b.stats().ble.notificationsDropped).toBe(2);
    // paced one per connection interval, nothing is lost
    b.evaluate('var k = 10; var iv = setInterval(function(){ send(k++, 20); if (k === 20) clearInterval(iv); }, 10);');
    b.advance(0.5);
    expect(got.slice(1)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('a larger transmit queue can be configured', () => {
    const b = app('', { txQueueSize: 3 });
    const link = b.ble.connect({ intervalMs: 7.5 });
    const got: number[] = [];
    link.onNotify((_c, bytes) => got.push(bytes[0]!));
    link.subscribe(CH);
    b.evaluate('send(1, 20); send(2, 20); send(3, 20); send(4, 20);');
    b.advance(0.1);
    expect(got).toEqual([1, 2, 3]);
  });

  it('updateServices throws DATA_SIZE above maxLen, and above MTU-3 for a notification', () => {
    const b = app();
    const link = b.ble.connect();
    link.subscribe(CH);
    b.advance(0.02);
    expect(() => b.evaluate('send(1, 51)')).toThrow(/DATA_SIZE/);
    expect(() => b.evaluate('send(1, 21)')).toThrow(/MTU 23/); // no MTU exchange: 20-byte notifications
    expect(() => b.evaluate('send(1, 20)')).not.toThrow();
  });

  it('central writes reach onWrite at the next connection event; reads return the value', () => {
    const b = app();
    const link = b.ble.connect({ mtu: 53 });
    link.write(CMD, Uint8Array.of(42, 1));
    expect(b.evaluate('got.length')).toBe(0);
    b.advance(0.02);
    expect(b.evaluate('got')).toEqual([42]);
    b.evaluate('send(7, 3)');
    expect(Array.from(link.read(CH))).toEqual([7, 7, 7]);
    expect(() => link.write(CH, Uint8Array.of(1))).toThrow(/not writable/);
    expect(() => link.write(CMD, new Uint8Array(21))).toThrow(/maxLen 20/);
  });

  it('services changed while connected wait for the disconnect', () => {
    const b = app();
    const link = b.ble.connect();
    b.evaluate('NRF.setServices({0xABCD: {0x1234: {value: [1], readable: true}}}, {uart: false})');
    expect(b.consoleText()).toMatch(/BLE Connected, queueing BLE restart for later/);
    expect(() => b.evaluate('send(1, 1)')).toThrow(/Can't update services until BLE restart/);
    link.disconnect();
    b.advance(0.01);
    expect(b.evaluate('events[events.length - 1]')).toBe('disconnect 19');
    const link2 = b.ble.connect();
    expect(Array.from(link2.read('1234'))).toEqual([1]);
    expect(link2.discover()).toEqual({ abcd: ['1234'] });
  });

  it('link loss: nothing is delivered and both sides see a supervision timeout (reason 8)', () => {
    const b = app();
    const link = b.ble.connect({ intervalMs: 7.5, supervisionTimeoutS: 1 });
    const got: number[] = [];
    const reasons: number[] = [];
    link.onNotify((_c, bytes) => got.push(bytes[0]!));
    link.onDisconnect((r) => reasons.push(r));
    link.subscribe(CH);
    link.loseLink();
    b.evaluate('send(1, 5)');
    b.advance(0.5);
    expect(got).toEqual([]);
    expect(reasons).toEqual([]);
    b.advance(0.6);
    expect(reasons).toEqual([8]);
    expect(b.evaluate('events[events.length - 1]')).toBe('disconnect 8');
    expect(b.ble.advertising()).not.toBeNull();
  });

  it('the firmware can disconnect the central (reason 22) and set the connection interval', () => {
    const b = app('NRF.setConnectionInterval(15);');
    const link = b.ble.connect();
    expect(link.connected).toBe(true);
    b.evaluate('NRF.disconnect()');
    b.advance(0.01);
    expect(link.connected).toBe(false);
    expect(b.evaluate('events[events.length - 1]')).toBe('disconnect 22');
  });

  it('moves the REPL console to Bluetooth while a central is connected (unless forced elsewhere)', () => {
    const b = app();
    expect(b.consoleDevice()).toBe('Serial1');
    const link = b.ble.connect();
    expect(b.consoleDevice()).toBe('Bluetooth');
    link.disconnect();
    expect(b.consoleDevice()).toBe('Serial1');
    b.evaluate('E.setConsole(LoopbackA, { force: true })');
    b.ble.connect();
    expect(b.consoleDevice()).toBe('LoopbackA');
  });

  it('Bluetooth.write goes out over the Nordic UART in MTU-3 chunks, one per connection event', () => {
    const b = app();
    const link = b.ble.connect({ intervalMs: 10 });
    const chunks: number[][] = [];
    link.onNotify((c, bytes) => { if (c === '6e400003-b5a3-f393-e0a9-e50e24dcca9e') chunks.push(Array.from(bytes)); });
    link.subscribe('6e400003-b5a3-f393-e0a9-e50e24dcca9e');
    b.evaluate('E.setConsole(LoopbackA, { force: true }); Bluetooth.write(new Uint8Array(45).fill(9))');
    b.advance(0.1);
    expect(chunks.map((c) => c.length)).toEqual([20, 20, 5]);
    expect(b.stats().ble.uartBytesSent).toBe(45);
  });
});

describe('characteristic values from typed arrays', () => {
  it('NRF values take a typed array\'s underlying bytes (little-endian Int16 here), as Espruino does', () => {
    const b = app();
    const link = b.ble.connect();
    b.evaluate('var u = {}; u[SVC] = {}; u[SVC][CH] = { value: new Int16Array([258, -1]) }; NRF.updateServices(u);');
    expect(Array.from(link.read(CH))).toEqual([2, 1, 255, 255]);
  });
});

describe('connection interval', () => {
  it('automatic mode: 7.5 ms while busy, 200 ms after a minute idle, 7.5 ms again on activity', () => {
    const b = app();
    const link = b.ble.connect();
    link.subscribe(CH);
    expect(link.intervalMs).toBe(7.5);
    b.advance(61);
    expect(link.intervalMs).toBe(200);
    b.evaluate('send(1, 5)');
    expect(link.intervalMs).toBe(7.5);
  });
  it('the firmware\'s request holds unless the central imposes one', () => {
    expect(app('NRF.setConnectionInterval(15);').ble.connect().intervalMs).toBe(15);
    expect(app('NRF.setConnectionInterval(15);').ble.connect({ intervalMs: 30 }).intervalMs).toBe(30);
  });
});
