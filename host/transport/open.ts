/**
 * The one place a BoardSource becomes a concrete transport. BLE and serial code (noble, serialport)
 * is imported only when that source is chosen.
 */
import { UUID_CONTROL, UUID_DATA, UUID_RESPONSE, UUID_SERVICE } from '../../protocol/index.ts';
import type { BoardSource } from '../cli/source-flags.ts';
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
    /** A central to share between several boards; otherwise one is made (noble loaded here). */
    central?: BleCentral;
    /** Fake noble bindings (tests). */
    bindings?: unknown;
  };
  replay?: ReplayOptions;
  serial?: { baudRate?: number; reconnectAttempts?: number; reconnectInitialMs?: number };
}

let sharedCentral: BleCentral | null = null;
let defaultBindings: unknown = undefined;

/**
 * Makes every later BLE use in this process go through `bindings` (a noble bindings object, e.g. a
 * fake radio in tests) instead of the platform's HCI socket. undefined restores the platform radio.
 */
export function useBleBindings(bindings: unknown): void {
  defaultBindings = bindings;
  sharedCentral = null;
}

/** The process's BleCentral (one noble instance; several boards share it), or one over `bindings`. */
export async function getBleCentral(bindings?: unknown): Promise<BleCentral> {
  const { BleCentral: Central, loadNoble } = await import('./ble.ts');
  if (bindings !== undefined) return new Central(loadNoble(bindings), TRIPOD_BLE_UUIDS);
  sharedCentral ??= new Central(loadNoble(defaultBindings), TRIPOD_BLE_UUIDS);
  return sharedCentral;
}

export async function createTransport(source: BoardSource, opts: TransportOptions = {}): Promise<Transport> {
  switch (source.kind) {
    case 'sim': {
      const { SimTransport } = await import('./sim.ts');
      return new SimTransport({ seed: source.seed, ...opts.sim });
    }
    case 'serial': {
      const { SerialTransport } = await import('./serial.ts');
      return new SerialTransport({ path: source.path, ...opts.serial });
    }
    case 'ble': {
      const { BleTransport } = await import('./ble.ts');
      const central = opts.ble?.central ?? (await getBleCentral(opts.ble?.bindings));
      return new BleTransport(central, { target: source.id, ...opts.ble });
    }
    case 'replay': {
      const { ReplayTransport } = await import('./replay.ts');
      return new ReplayTransport(source.file, { speed: source.speed, ...opts.replay });
    }
  }
}
