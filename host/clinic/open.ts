/**
 * Opens the clinic store: a PostgreSQL server when a URL is given (--database or
 * TRIPOD_DATABASE_URL), else the embedded store in a directory (--store, TRIPOD_STORE, or
 * $XDG_DATA_HOME/tripod/clinic, default ~/.local/share/tripod/clinic).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openPglite } from './pglite-driver.ts';
import { openPostgres } from './pg-driver.ts';
import { SqlClinicStore } from './store.ts';
import type { ClinicStore } from './types.ts';

export interface StoreLocation {
  /** Directory of the embedded store. */
  dir?: string;
  /** postgresql:// URL of a server; wins over dir. */
  url?: string;
  /** Schema on the server (tests). */
  schema?: string;
}

export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRIPOD_STORE) return env.TRIPOD_STORE;
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'tripod', 'clinic');
}

/** Resolves flags and environment into a location (flags win). */
export function storeLocation(flags: { store?: string; database?: string }, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  const url = flags.database ?? env.TRIPOD_DATABASE_URL;
  if (url) return { url };
  return { dir: flags.store ?? defaultStoreDir(env) };
}

export async function openClinicStore(loc: StoreLocation): Promise<ClinicStore> {
  const driver = loc.url ? await openPostgres(loc.url, loc.schema) : await openPglite(loc.dir ?? defaultStoreDir());
  try {
    return await SqlClinicStore.open(driver);
  } catch (e) {
    await driver.close().catch(() => undefined);
    throw e;
  }
}
