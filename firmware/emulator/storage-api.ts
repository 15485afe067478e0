/**
 * `require("Storage")` over the one StorageModel: the object the board's firmware gets (runtime.ts,
 * each call counted and charged through `host.api`) and the one the REPL server's prompt gets
 * (repl-server.ts, uncharged). Files are byte strings, as in Espruino.
 */
import { UNIMPLEMENTED_STORAGE } from './espruino-env.ts';
import { bytesOfString, stringOfBytes, type StorageModel } from './storage-model.ts';
import { toBytes } from './values.ts';

/** What the Storage object needs from the realm it is made for. */
export interface StorageApiHost {
  /** Wraps an implementation as an API function (the runtime counts and charges it). */
  api<A extends unknown[], T>(name: string, impl: (...a: A) => T): (...a: A) => T;
  unimplemented(name: string): () => never;
  /** A plain object of the realm the code runs in. */
  mkObject(): Record<string, unknown>;
  /** The realm's JSON (objects handed back belong to the code's realm). */
  json: JSON;
  /** A Uint8Array of the realm holding these bytes. */
  realmBytes(b: Uint8Array): Uint8Array;
}

export function makeStorageApi(st: StorageModel, host: StorageApiHost): Record<string, unknown> {
  const { api, json } = host;
  const s = host.mkObject();
  for (const name of UNIMPLEMENTED_STORAGE) s[name] = host.unimplemented(`require("Storage").${name}`);
  s.read = api('Storage.read', (name: unknown, offset?: unknown, length?: unknown): string | undefined => {
    const b = st.read(String(name), offset === undefined ? 0 : Number(offset), length === undefined ? undefined : Number(length));
    return b ? stringOfBytes(b) : undefined;
  });
  s.readJSON = api('Storage.readJSON', (name: unknown, noExceptions?: unknown): unknown => {
    const b = st.read(String(name));
    if (!b) return undefined;
    try {
      return json.parse(stringOfBytes(b));
    } catch (e) {
      if (noExceptions) return undefined;
      throw new Error(`Storage.readJSON('${String(name)}'): ${(e as Error).message}`);
    }
  });
  s.readArrayBuffer = api('Storage.readArrayBuffer', (name: unknown): ArrayBuffer | undefined => {
    const b = st.read(String(name));
    return b ? (host.realmBytes(b).buffer as ArrayBuffer) : undefined;
  });
  s.write = api('Storage.write', (name: unknown, data: unknown, offset?: unknown, size?: unknown): boolean => {
    if (data && typeof data === 'object' && !Array.isArray(data) && !ArrayBuffer.isView(data) && Object.prototype.toString.call(data) !== '[object ArrayBuffer]') {
      throw new TypeError('Storage.write: data must be a string or bytes; use writeJSON for objects');
    }
    st.write(String(name), toBytes(data, 'Storage.write data', true), offset === undefined ? undefined : Number(offset), size === undefined ? undefined : Number(size));
    return true;
  });
  s.writeJSON = api('Storage.writeJSON', (name: unknown, data: unknown): boolean => {
    st.write(String(name), bytesOfString(json.stringify(data)), undefined, undefined);
    return true;
  });
  s.erase = api('Storage.erase', (name: unknown): void => st.erase(String(name)));
  s.eraseAll = api('Storage.eraseAll', (): void => st.eraseAll());
  s.getFree = api('Storage.getFree', (): number => st.free());
  s.list = api('Storage.list', (re?: unknown): unknown => {
    // Espruino matches each name with String.match(regex): a string is taken as a pattern.
    const pattern = typeof re === 'string' ? new RegExp(re) : re && typeof (re as RegExp).test === 'function' ? (re as RegExp) : null;
    const names = st.names().filter((n) => (pattern ? pattern.test(n) : true));
    return json.parse(JSON.stringify(names));
  });
  return s;
}
