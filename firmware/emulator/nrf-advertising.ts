/**
 * Advertising as Espruino builds it for `NRF.setAdvertising` and `NRF.setScanResponse`: the record a
 * scanner sees, the bytes used in the 31-byte legacy packet and scan response, UUIDs normalised as
 * Espruino compares them, and the SoftDevice's DATA_SIZE error when something does not fit.
 */

/**
 * Normalises a UUID the way Espruino compares them: 16-bit as 4 lowercase hex, 128-bit lowercase.
 * Object keys need care: Espruino keeps `{0x180F: ...}` as the integer 6159, V8 turns it into the
 * string "6159". So an all-digit object key is read as a decimal number (as the literal was), while
 * a string elsewhere ('1809' in `advertise`) is hex. Write all-digit hex UUIDs as numbers.
 */
export function normUuid(u: unknown, objectKey = false): string {
  if (typeof u === 'number') return (u & 0xffff).toString(16).padStart(4, '0');
  if (objectKey && /^[0-9]+$/.test(String(u)) && Number(u) <= 0xffff) return Number(u).toString(16).padStart(4, '0');
  const s = String(u).toLowerCase();
  if (/^0x[0-9a-f]{1,4}$/.test(s)) return s.slice(2).padStart(4, '0');
  if (/^[0-9a-f]{4}$/.test(s)) return s;
  const m = /^0000([0-9a-f]{4})-0000-1000-8000-00805f9b34fb$/.exec(s);
  if (m) return m[1]!;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s)) return s;
  if (/^[0-9]+$/.test(s) && Number(s) <= 0xffff) return Number(s).toString(16).padStart(4, '0');
  throw new Error(`Invalid UUID '${String(u)}': expected a 16-bit number, 'ABCD' or a 128-bit 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'`);
}

export class BleError extends Error {
  constructor(code: number, name: string, detail: string) {
    super(`BLE error 0x${code.toString(16).toUpperCase()} ${name}: ${detail}`);
  }
}
export const NRF_ERROR_DATA_SIZE = 0x0c;

export interface AdvertisingRecord {
  /** Complete local name in the advertising packet (undefined when showName: false). */
  name: string | undefined;
  /** Service UUIDs offered for scans (from setServices' `advertise`, in the scan response). */
  serviceUuids: string[];
  manufacturer: number | undefined;
  manufacturerData: Uint8Array | undefined;
  serviceData: Record<string, Uint8Array>;
  connectable: boolean;
  intervalMs: number;
  /** Bytes used in the 31-byte advertising packet and the 31-byte scan response. */
  advBytes: number;
  scanResponseBytes: number;
}

/** The advertising record for setAdvertising(data, options); unset options keep `prev`'s values. */
export function buildAdvertising(
data: unknown,
options: unknown,
prev: AdvertisingRecord | undefined,
defaultName: string,
advertiseUuids: readonly string[],
toBytes: (v: unknown, what: string) => Uint8Array,
): AdvertisingRecord {
  const o = (options ?? {}) as Record<string, unknown>;
  const name = o.name !== undefined ? String(o.name) : prev?.name ?? defaultName;
  const showName = o.showName === undefined ? true : !!o.showName;
  const serviceData: Record<string, Uint8Array> = {};
  if (data && typeof data === 'object' && !Array.isArray(data) && !ArrayBuffer.isView(data)) {
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
      serviceData[normUuid(k, true)] = v === undefined ? new Uint8Array(0) : toBytes(v, `advertising data for ${k}`);
    }
  } else if (data !== undefined) {
    throw new Error('NRF.setAdvertising with raw or multiple advertising packets is not implemented by the emulator');
  }
  const manufacturer = o.manufacturer === undefined ? undefined : Number(o.manufacturer);
  const manufacturerData = o.manufacturerData === undefined ? undefined : toBytes(o.manufacturerData, 'manufacturerData');
  let advBytes = 3; // flags
  if (showName) advBytes += 2 + name.length;
  if (manufacturerData) advBytes += 4 + manufacturerData.length;
  for (const [k, v] of Object.entries(serviceData)) advBytes += 2 + (k.length === 4 ? 2 : 16) + v.length;
  let scanResponseBytes = 0;
  const u16 = advertiseUuids.filter((u) => u.length === 4);
  const u128 = advertiseUuids.filter((u) => u.length !== 4);
  if (u16.length) scanResponseBytes += 2 + 2 * u16.length;
  if (u128.length) scanResponseBytes += 2 + 16 * u128.length;
  if (advBytes > 31) throw new BleError(NRF_ERROR_DATA_SIZE, 'DATA_SIZE', `advertising data needs ${advBytes} bytes; a legacy packet holds 31`);
  if (scanResponseBytes > 31) throw new BleError(NRF_ERROR_DATA_SIZE, 'DATA_SIZE', `scan response needs ${scanResponseBytes} bytes; it holds 31`);
  const interval = o.interval === undefined ? prev?.intervalMs ?? 375 : Math.min(10240, Math.max(20, Number(o.interval)));
  return {
    name: showName ? name : undefined,
    serviceUuids: advertiseUuids.slice(),
    manufacturer, manufacturerData, serviceData,
    connectable: o.connectable === undefined ? prev?.connectable ?? true : !!o.connectable,
    intervalMs: interval,
    advBytes, scanResponseBytes,
  };
}

/** A raw scan response (AD structures): its service UUID lists and name, decoded as a scanner sees them. */
export function parseScanResponse(b: Uint8Array): { uuids: string[]; name: string | undefined; bytes: number } {
  if (b.length > 31) throw new BleError(NRF_ERROR_DATA_SIZE, 'DATA_SIZE', `scan response is ${b.length} bytes; it holds 31`);
  const uuids: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < b.length; ) {
    const len = b[i]!;
    if (len === 0) break;
    if (i + 1 + len > b.length) throw new BleError(NRF_ERROR_DATA_SIZE, 'DATA_SIZE', `AD structure at byte ${i} runs past the end of the scan response`);
    const type = b[i + 1]!;
    const d = b.subarray(i + 2, i + 1 + len);
    if (type === 0x02 || type === 0x03) for (let k = 0; k + 1 < d.length; k += 2) uuids.push((d[k]! | (d[k + 1]! << 8)).toString(16).padStart(4, '0'));
    else if (type === 0x06 || type === 0x07) {
      for (let k = 0; k + 15 < d.length; k += 16) {
        const h = Array.from(d.subarray(k, k + 16)).reverse().map((x) => x.toString(16).padStart(2, '0')).join('');
        uuids.push(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
      }
    } else if (type === 0x08 || type === 0x09) name = String.fromCharCode(...d);
    i += 1 + len;
  }
  return { uuids, name, bytes: b.length };
}
