/**
 * The embedded store: PGlite (PostgreSQL 17 compiled to WebAssembly, npm @electric-sql/pglite, no
 * native code, no download beyond the npm package) keeping its files in a directory. Every
 * statement's writes reach the operating system's files before the statement resolves (PGlite's
 * Node file system writes through to real files), so a committed trial survives the process being
 * killed (tests/clinic/durability.test.ts SIGKILLs a writer). One process at a time owns the
 * directory.
 */
import { mkdirSync } from 'node:fs';
import type { SqlDriver } from './sql.ts';

export async function openPglite(dir: string): Promise<SqlDriver> {
  mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite(dir);
  try {
    await db.waitReady;
  } catch (e) {
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
    close: () => serial(() => db.close()),
  };
}
