/**
 * FakeRadio: a test double for Bluetooth, public like serialport's mock binding. It implements
 * noble's bindings contract (the events and methods noble.js calls on `this._bindings`, read from
 * node_modules/@abandonware/noble/lib/noble.js and hci-socket/bindings.js) on top of emulated boards,
 * so real noble code talks to the real built firmware with no adapter:
 *
 *   import { createBoard, FakeRadio } from 'tripod/emulator';
 *   import { openBoard, TransportFactory } from 'tripod';
 *   const board = createBoard({ seed: 1, clock: 'realtime' });
 *   const transports = new TransportFactory({ bleBindings: new FakeRadio([{ board, address: 'c0:11:22:33:44:01' }]) });
 *   const session = await openBoard({ kind: 'ble' }, { transports });
 *
 * Modelled: power-on, scanning by service UUID (advertising data from the emulator, one 'discover'
 * per board and scan), connect (the host asks for MTU 247; the board grants what it supports and
 * noble hears 'onMtu'), service/characteristic discovery, subscribe, write with response,
 * notifications, central disconnect and link loss (`loseLink(id)`: the board's supervision timeout
 * then a 'disconnect' with HCI reason 8). Never emits 'error' (noble does not listen for it).
 * The boards' time is theirs to drive (a realtime clock, or the caller's advance()).
 */
import { EventEmitter } from 'node:events';
import type { EmulatedBoard } from '../../firmware/emulator/index.ts';
import type { CentralLink } from '../../firmware/emulator/nrf-model.ts';

/** noble form (lowercase, no dashes) -> emulator form (dashed 128-bit or 4-hex 16-bit). */
export function dashed(u: string): string {
  const s = u.toLowerCase().replace(/-/g, '');
  if (s.length !== 32) return s;
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
const nobleForm = (u: string): string => u.toLowerCase().replace(/-/g, '');

interface Slot {
  board: EmulatedBoard;
  id: string;
  address: string;
  rssi: number;
  /** Connection interval this central imposes on the board, ms (undefined: it grants the board's request). */
  intervalMs: number | undefined;
  link: CentralLink | null;
  unhook: Array<() => void>;
}

export class FakeRadio extends EventEmitter {
  private readonly slots = new Map<string, Slot>();
  private scanning = false;
  private scanFilter: string[] = [];
  /** Calls noble made, for assertions. */
  readonly calls: string[] = [];
  /** MTU the central asks for (noble's HCI layer asks for 256; BlueZ 517). */
  centralMtu = 247;
  state = 'poweredOn';

  /** `intervalMs`: the connection interval the central imposes on that board (a phone or adapter that
   *  will not go below it), ms; absent: the board's request is granted. */
  constructor(boards: Array<{ board: EmulatedBoard; address: string; rssi?: number; intervalMs?: number }>) {
    super();
    for (const b of boards) {
      const id = b.address.replace(/:/g, '').toLowerCase();
      this.slots.set(id, { board: b.board, id, address: b.address.toLowerCase(), rssi: b.rssi ?? -60, intervalMs: b.intervalMs, link: null, unhook: [] });
    }
  }

  init(): void {
    this.calls.push('init');
    setImmediate(() => this.emit('stateChange', this.state));
  }

  setScanParameters(): void {
    setImmediate(() => this.emit('scanParametersSet'));
  }

  startScanning(serviceUuids: string[] | undefined, _allowDuplicates: boolean): void {
    this.calls.push('startScanning');
    this.scanning = true;
    this.scanFilter = (serviceUuids ?? []).map(nobleForm);
    setImmediate(() => {
      this.emit('scanStart', false);
      this.advertiseAll();
    });
  }

  /** Emits one 'discover' per advertising board matching the scan filter (call again to re-advertise). */
  advertiseAll(): void {
    if (!this.scanning) return;
    for (const s of this.slots.values()) {
      const adv = s.board.ble.advertising();
      if (!adv || !adv.connectable) continue;
      const uuids = adv.serviceUuids.map(nobleForm);
      if (this.scanFilter.length && !this.scanFilter.some((u) => uuids.includes(u))) continue;
      const advertisement = {
        localName: adv.name,
        serviceUuids: uuids,
        serviceData: [],
        manufacturerData: adv.manufacturerData ? Buffer.from(adv.manufacturerData) : undefined,
        txPowerLevel: undefined,
      };
      this.emit('discover', s.id, s.address, 'random', true, advertisement, s.rssi, true);
    }
  }

  stopScanning(): void {
    this.calls.push('stopScanning');
    this.scanning = false;
    setImmediate(() => this.emit('scanStop'));
  }

  connect(peripheralUuid: string): void {
    this.calls.push(`connect ${peripheralUuid}`);
    const s = this.slots.get(peripheralUuid);
    setImmediate(() => {
      if (!s) return this.emit('connect', peripheralUuid, new Error('unknown peripheral'));
      let link: CentralLink;
      try {
        link = s.board.ble.connect({ mtu: this.centralMtu, ...(s.intervalMs === undefined ? {} : { intervalMs: s.intervalMs }) });
      } catch (e) {
        return this.emit('connect', peripheralUuid, new Error(`Connection Failed to be Established (0x3e): ${(e as Error).message}`));
      }
      s.link = link;
      for (const u of s.unhook) u();
      s.unhook = [
        link.onNotify((charUuid, bytes) => {
          const service = this.serviceOf(s, charUuid);
          this.emit('read', s.id, service, nobleForm(charUuid), Buffer.from(bytes), true);
        }),
        link.onDisconnect((reason) => {
          if (s.link === link) s.link = null;
          this.emit('disconnect', s.id, reason);
        }),
      ];
      this.emit('connect', s.id, null);
      // The MTU exchange completes one connection interval later; report it when it does.
      const poll = (): void => {
        if (s.link !== link || !link.connected) return;
        if (link.mtu > 23) this.emit('onMtu', s.id, link.mtu);
        else setTimeout(poll, 5);
      };
      poll();
    });
  }

  cancelConnect(): void {}

  disconnect(peripheralUuid: string): void {
    this.calls.push(`disconnect ${peripheralUuid}`);
    const s = this.slots.get(peripheralUuid);
    setImmediate(() => {
      if (s?.link?.connected) s.link.disconnect();
      else this.emit('disconnect', peripheralUuid, 22);
    });
  }

  /** Drops the radio link of board `id` (both sides notice after the supervision timeout). */
  loseLink(peripheralUuid: string): void {
    this.slots.get(peripheralUuid)?.link?.loseLink();
  }

  updateRssi(peripheralUuid: string): void {
    const s = this.slots.get(peripheralUuid);
    setImmediate(() => this.emit('rssiUpdate', peripheralUuid, s?.rssi ?? -127));
  }

  reset(): void {}

  discoverServices(peripheralUuid: string, uuids: string[]): void {
    const s = this.slots.get(peripheralUuid);
    setImmediate(() => {
      const all = s?.link ? Object.keys(s.link.discover()).map(nobleForm) : [];
      const want = (uuids ?? []).map(nobleForm);
      this.emit('servicesDiscover', peripheralUuid, want.length ? all.filter((u) => want.includes(u)) : all);
    });
  }

  discoverIncludedServices(peripheralUuid: string, serviceUuid: string): void {
    setImmediate(() => this.emit('includedServicesDiscover', peripheralUuid, serviceUuid, []));
  }

  discoverCharacteristics(peripheralUuid: string, serviceUuid: string, characteristicUuids: string[]): void {
    const s = this.slots.get(peripheralUuid);
    setImmediate(() => {
      const map = s?.link ? s.link.discover() : {};
      const entry = Object.entries(map).find(([k]) => nobleForm(k) === nobleForm(serviceUuid));
      const want = (characteristicUuids ?? []).map(nobleForm);
      const chars = (entry?.[1] ?? [])
        .map((c) => ({ uuid: nobleForm(c), properties: ['read', 'write', 'notify'] }))
        .filter((c) => want.length === 0 || want.includes(c.uuid));
      this.emit('characteristicsDiscover', peripheralUuid, serviceUuid, chars);
    });
  }

  read(peripheralUuid: string, serviceUuid: string, characteristicUuid: string): void {
    const s = this.slots.get(peripheralUuid);
    setImmediate(() => {
      const data = s?.link ? Buffer.from(s.link.read(dashed(characteristicUuid))) : Buffer.alloc(0);
      this.emit('read', peripheralUuid, serviceUuid, characteristicUuid, data, false);
    });
  }

  write(peripheralUuid: string, serviceUuid: string, characteristicUuid: string, data: Buffer): void {
    this.calls.push(`write ${characteristicUuid} ${data.toString('hex')}`);
    const s = this.slots.get(peripheralUuid);
    setImmediate(() => {
      try {
        s?.link?.write(dashed(characteristicUuid), new Uint8Array(data));
      } catch {
        return; // a write on a dead link never completes (noble would time out); no 'error' event
      }
      this.emit('write', peripheralUuid, serviceUuid, characteristicUuid);
    });
  }

  broadcast(): void {}

  notify(peripheralUuid: string, serviceUuid: string, characteristicUuid: string, notify: boolean): void {
    this.calls.push(`notify ${characteristicUuid} ${notify}`);
    const s = this.slots.get(peripheralUuid);
    setImmediate(() => {
      try {
        if (notify) s?.link?.subscribe(dashed(characteristicUuid));
        else s?.link?.unsubscribe(dashed(characteristicUuid));
      } catch {
        return;
      }
      this.emit('notify', peripheralUuid, serviceUuid, characteristicUuid, notify);
    });
  }

  discoverDescriptors(peripheralUuid: string, serviceUuid: string, characteristicUuid: string): void {
    setImmediate(() => this.emit('descriptorsDiscover', peripheralUuid, serviceUuid, characteristicUuid, []));
  }

  private serviceOf(s: Slot, charUuid: string): string {
    const map = s.link ? s.link.discover() : {};
    for (const [svc, chars] of Object.entries(map)) if (chars.map(nobleForm).includes(nobleForm(charUuid))) return nobleForm(svc);
    return '';
  }
}
