/**
 * The PostgreSQL server store, through `pg` (node-postgres, pure JavaScript): for a clinic with
 * several rooms and one records server. The URL is a libpq connection URI, e.g.
 * postgresql://tripod@records.local/tripod or postgresql://tripod@/tripod?host=/run/postgresql.
 * `schema` (default public) scopes the tables, which lets the tests use a fresh schema each run.
 */
import type { SqlDriver } from './sql.ts';

export async function openPostgres(url: string, schema?: string): Promise<SqlDriver> {
  const pg = (await import('pg')).default;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`schema name must be lower-case letters, digits and _, got '${schema}'`);
  const client = new pg.Client({ connectionString: url, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`database URL must start with postgresql://, got '${url}'`);
  // what the messages show: host (or socket dir) and database, never a password
  const m = /^postgres(?:ql)?:\/\/(?:[^@/]*@)?([^/?]*)(\/[^?]*)?(?:\?(.*))?$/.exec(url);
  const sock = m?.[3] ? new URLSearchParams(m[3]).get('host') : null;
  const shown = `${m?.[1] || sock || 'local socket'}${m?.[2] ?? ''}`;
  try {
    await client.connect();
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new Error(`cannot connect to PostgreSQL at ${shown}: ${(e as Error).message}`);
  }
  client.on('error', () => undefined); // a dropped server shows as the next query's error
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await client.query(sql, params)).rows as T[];
  return {
    description: `postgresql (${shown}${schema ? `, schema ${schema}` : ''})`,
    query: (sql, params) => serial(() => query(sql, params)),
    transaction: (fn) =>
      serial(async () => {
        await client.query('BEGIN');
        try {
          const out = await fn({ query });
          await client.query('COMMIT');
          return out;
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      }),
    close: () => serial(() => client.end()),
  };
}
