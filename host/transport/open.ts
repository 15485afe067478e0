/**
 * The one place a BoardSource becomes a concrete transport. BLE and serial code (noble, serialport)
 * is imported only when that source is chosen.
 *
 * A TransportFactory carries the radio it uses, the way serialport takes its binding: by default
 * the platform's (noble over the HCI socket), or any noble bindings object passed in, such as the
 * fake radio in transport/fake-radio.ts whose boards are emulators running the built firmware:
 *
 *   const transports = new TransportFactory({ bleBindings: new FakeRadio([{ board, address }]) });
 *   const session = await openBoard({ kind: 'ble' }, { transports });
 *
 * All boards opened through one factory share one BleCentral (one noble instance), so several boards
 * can stream at once. defaultTransports() is the process's factory on the platform radio.
 */
import { UUID_CONTROL, UUID_DATA, UUID_RESPONSE, UUID_SERVICE } from '../../protocol/index.ts';
import type { BoardSource } from '../source.ts';
import type { BleCentral, BleTransportOptions, BleUuids } from './ble.ts';
import type { ReplayOptions } from './replay.ts';
import type { SimTransportOptions } from './sim.ts';
import type { Transport } from './transport.ts';

/** The Tripod GATT UUIDs in noble's form (lowercase, no dashes). */
export const TRIPOD_BLE_UUIDS: BleUuids = {
  service: UUID_SERVICE.replace(/-/g, '').toLowerCase(),
  data: UUID_DATA.replace(/-/g, '').toLowerCase(),
  control: UUID_CONTROL.replace(/-/g, '').toLowerCase(),
  response: UUID_RESPONSE.replace(/-/g, '').toLowerCase(),
};

export interface TransportOptions {
  sim?: SimTransportOptions;
  ble?: BleTransportOptions & {
    /** A central to use instead of the factory's (several factories sharing one radio). */
    central?: BleCentral;
  };
  replay?: ReplayOptions;
  serial?: { baudRate?: number; reconnectAttempts?: number; reconnectInitialMs?: number };
}

export interface TransportFactoryOptions {
  /** noble bindings to use instead of the platform's radio (e.g. a FakeRadio). */
  bleBindings?: unknown;
}

/** Makes transports for board sources; owns the BLE central they share. */
export class TransportFactory {
  private central: Promise<BleCentral> | null = null;

  constructor(private readonly opts: TransportFactoryOptions = {}) {}

  /** This factory's BleCentral (noble loaded at first use); rejects with a TransportError when Bluetooth is unavailable. */
  bleCentral(): Promise<BleCentral> {
    if (this.central) return this.central;
    const made = (async () => {
      const { BleCentral: Central, loadNoble } = await import('./ble.ts');
      return new Central(loadNoble(this.opts.bleBindings), TRIPOD_BLE_UUIDS);
    })();
    this.central = made;
    // A failed load is not kept: the next call tries again (e.g. after the binding was built).
    made.catch(() => {
      if (this.central === made) this.central = null;
    });
    return made;
  }

  async create(source: BoardSource, opts: TransportOptions = {}): Promise<Transport> {
    switch (source.kind) {
      case 'sim': {
        const { SimTransport } = await import('./sim.ts');
        return new SimTransport({ seed: source.seed, ...opts.sim });
      }
      case 'serial': {
        // tcp://host:port: the serial protocol over TCP (an emulator's REPL port, a serial server).
        const tcp = /^tcp:\/\/([^/:]+|\[[^\]]+\]):(\d{1,5})\/?$/.exec(source.path);
        if (tcp) {
          const { TcpSerialTransport } = await import('./tcp-serial.ts');
          return new TcpSerialTransport(tcp[1]!.replace(/^\[|\]$/g, ''), Number(tcp[2]));
        }
        const { SerialTransport } = await import('./serial.ts');
        return new SerialTransport({ path: source.path, ...opts.serial });
      }
      case 'ble': {
        const { BleTransport } = await import('./ble.ts');
        const central = opts.ble?.central ?? (await this.bleCentral());
        return new BleTransport(central, { target: source.id, ...opts.ble });
      }
      case 'replay': {
        const { ReplayTransport } = await import('./replay.ts');
        return new ReplayTransport(source.file, { speed: source.speed, ...opts.replay });
      }
      case 'transport':
        return source.transport;
    }
  }
}

let platform: TransportFactory | null = null;

/** The process's factory on the platform radio (made at first use; several boards share its central). */
export function defaultTransports(): TransportFactory {
  platform ??= new TransportFactory();
  return platform;
}

/** defaultTransports().create(source, opts). */
export function createTransport(source: BoardSource, opts: TransportOptions = {}): Promise<Transport> {
  return defaultTransports().create(source, opts);
}
