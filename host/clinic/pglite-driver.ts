/**
 * The embedded store: PGlite (PostgreSQL 17 compiled to WebAssembly, npm @electric-sql/pglite, no
 * native code, no download beyond the npm package) keeping its files in a directory. Every
 * statement's writes reach the operating system's files before the statement resolves (PGlite's
 * Node file system writes through to real files), so a committed trial survives the process being
 * killed (tests/clinic/durability.test.ts SIGKILLs a writer). One process at a time owns the
 * directory. A new store starts from this machine's copy of a pristine cluster when there is one
 * (pglite-template.ts), else runs initdb and keeps such a copy for the next new store.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { clearStoreDir, isEmptyStoreDir, readTemplate, saveTemplate, templatePath } from './pglite-template.ts';
import type { SqlDriver } from './sql.ts';

/**
 * Takes DIR/tripod.lock for this process: two processes writing one PGlite directory would corrupt
 * it. A lock left by a process that no longer runs (killed) is taken over.
 */
const LOCK = 'tripod.lock';

function lockDir(dir: string): () => void {
  const file = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      let alive = false;
      try {
        alive = Number.isInteger(pid) && pid > 0 && process.kill(pid, 0);
      } catch (k) {
        alive = (k as NodeJS.ErrnoException).code === 'EPERM';
      }
      if (alive) throw new Error(`the clinic store ${dir} is in use by process ${pid} (another tripod live?): stop it first, or use a PostgreSQL server (--database)`);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock the clinic store ${dir}`);
}

export async function openPglite(dir: string): Promise<SqlDriver> {
  mkdirSync(dir, { recursive: true });
  const unlock = lockDir(dir);
  const { PGlite } = await import('@electric-sql/pglite');
  type Db = InstanceType<typeof PGlite>;
  const start = async (template: Uint8Array<ArrayBuffer> | null): Promise<Db> => {
    const db = template ? new PGlite(dir, { loadDataDir: new Blob([template]) }) : new PGlite(dir);
    await db.waitReady;
    return db;
  };
  let db: Db;
  try {
    const fresh = isEmptyStoreDir(dir, LOCK);
    const tplPath = templatePath();
    const template = fresh ? readTemplate(tplPath) : null;
    let fromCopy = false;
    if (template) {
      try {
        db = await start(template);
        fromCopy = true;
      } catch {
        // an unreadable copy: this store starts the slow way, and the copy is replaced
        clearStoreDir(dir, LOCK);
        db = await start(null);
      }
    } else {
      db = await start(null);
    }
    // the cluster as initdb left it (no tables yet): the next new store's starting point
    if (fresh && !fromCopy) saveTemplate(tplPath, new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer()));
  } catch (e) {
    unlock();
    throw new Error(`cannot open the clinic store in ${dir}: ${(e as Error).message} (is another tripod using it?)`);
  }
  // PGlite runs one statement at a time; a queue keeps transactions from interleaving.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.query<T>(sql, params)).rows;
  return {
    description: `embedded (PGlite, ${dir})`,
    query: (sql, params) => serial(() => query(sql, params)),
    transaction: (fn) =>
      serial(() =>
        db.transaction(async (tx) => fn({ query: async <T>(sql: string, params: unknown[] = []) => (await tx.query<T>(sql, params)).rows })),
      ),
    close: () =>
      serial(async () => {
        try {
          await db.close();
        } finally {
          unlock();
        }
      }),
  };
}
