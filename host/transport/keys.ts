/**
 * The host's board keys (protocol/SPEC.md 5.5): one 16-byte key per board, stored by the board's
 * Bluetooth address (what AUTH_CHALLENGE answers, the same on BLE and serial) in a JSON file only
 * its owner can read (mode 0600, folder 0700):
 *   $TRIPOD_KEYS, else $XDG_CONFIG_HOME/tripod/keys.json, else ~/.config/tripod/keys.json
 *   { "v": 1, "boards": { "c0:11:22:33:ab:cd": "32 hex digits", ... } }
 * `tripod pair` writes it; every command that writes to a board reads it (CommandClient).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { AUTH_KEY_BYTES } from '../../protocol/index.ts';

/** The key for a board address, or null when the host has none. */
export type KeyProvider = (address: string) => Uint8Array | null;

/** A key file that exists but cannot be used: the message names the file and what to do. */
export class KeyStoreError extends Error {
  override readonly name = 'KeyStoreError';
}

export function keyStorePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRIPOD_KEYS) return env.TRIPOD_KEYS;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'tripod', 'keys.json');
}

function isKeyHex(s: unknown): s is string {
  return typeof s === 'string' && /^[0-9a-f]{32}$/i.test(s);
}

/** Reads the key file: address -> hex key (empty when the file does not exist). Throws KeyStoreError when it is unreadable or broken. */
export function readKeys(path = keyStorePath()): Record<string, string> {
  if (!existsSync(path)) return {};
  let o: { v?: unknown; boards?: Record<string, unknown> };
  try {
    o = JSON.parse(readFileSync(path, 'utf8')) as typeof o;
  } catch (e) {
    throw new KeyStoreError(`board key file ${path} is not readable JSON (${(e as Error).message.split('\n')[0]}); fix or remove it, then run 'tripod pair' again`);
  }
  if (!o || o.v !== 1 || typeof o.boards !== 'object' || o.boards === null) throw new KeyStoreError(`board key file ${path} is not a Tripod key file ({"v":1,"boards":{...}}); fix or remove it, then run 'tripod pair' again`);
  const out: Record<string, string> = {};
  for (const [address, hex] of Object.entries(o.boards)) {
    if (!isKeyHex(hex)) throw new KeyStoreError(`board key file ${path}: the key of ${address} is not 32 hex digits; run 'tripod pair' again for that board`);
    out[address.toLowerCase()] = hex.toLowerCase();
  }
  return out;
}

/** The key provider over the key file (read at each look-up, so a `tripod pair` in another shell counts). */
export function fileKeys(path = keyStorePath()): KeyProvider {
  return (address) => {
    const hex = readKeys(path)[address.toLowerCase()];
    return hex ? new Uint8Array(Buffer.from(hex, 'hex')) : null;
  };
}

/** Checks before pairing that the key file can be read and its folder written (so a new key is never set on a board and then lost). */
export function checkKeyStore(path = keyStorePath()): void {
  readKeys(path);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const probe = `${path}.${process.pid}.probe`;
    writeFileSync(probe, '', { mode: 0o600 });
    unlinkSync(probe);
  } catch (e) {
    throw new KeyStoreError(`cannot write the board key file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set TRIPOD_KEYS to a writable path`);
  }
}

/** Stores a board's key (replacing any old one): temporary file with mode 0600, then rename. */
export function storeKey(address: string, key: Uint8Array, path = keyStorePath()): void {
  if (key.length !== AUTH_KEY_BYTES) throw new TypeError(`storeKey: key must be ${AUTH_KEY_BYTES} bytes, got ${key.length}`);
  const boards = readKeys(path);
  boards[address.toLowerCase()] = Buffer.from(key).toString('hex');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ v: 1, boards }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
