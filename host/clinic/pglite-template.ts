/**
 * A pristine PGlite cluster kept once per machine, so that a new embedded store starts from a copy
 * instead of running PostgreSQL's initdb again. Measured (bench clinic.create_ms, process CPU time):
 * initdb inside WebAssembly is ~75 % of a new store's cost (it runs in a second PGlite instance in
 * memory, whose 39 MB of files are then written out); loading this copy instead cuts a new store
 * from ~10.7 s to ~3.2 s of CPU. The copy is a tar of the cluster right after initdb (no tables),
 * keyed by the PGlite version (a cluster is only readable by the PostgreSQL build that wrote it),
 * under $XDG_CACHE_HOME/tripod (default ~/.cache/tripod). It holds no clinic data.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** The installed PGlite's version (its package.json, found beside its entry point). */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Where this machine's copy of a pristine cluster for the installed PGlite lives. */
export function templatePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'tripod', `pglite-${pgliteVersion()}-cluster.tar`);
}

/** The copy's bytes, or null when there is none (or it cannot be read: initdb then runs as before). */
export function readTemplate(path: string): Uint8Array<ArrayBuffer> | null {
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    return null;
  }
}

/**
 * Keeps `tar` as this machine's copy: written beside it and renamed, so a concurrent reader never
 * sees half a file. A cache that cannot be written (read-only home) only costs the next store its
 * initdb: the error is swallowed.
 */
export function saveTemplate(path: string, tar: Uint8Array): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, tar);
    renameSync(tmp, path);
  } catch {
    // no cache: the next new store runs initdb
  }
}

/** True when `dir` holds nothing but the store's lock file (a new store, not an existing one). */
export function isEmptyStoreDir(dir: string, lockName: string): boolean {
  return readdirSync(dir).every((f) => f === lockName);
}

/** Empties a store directory that a failed start from the copy left half-written (keeps the lock). */
export function clearStoreDir(dir: string, lockName: string): void {
  for (const f of readdirSync(dir)) if (f !== lockName) rmSync(join(dir, f), { recursive: true, force: true });
}
