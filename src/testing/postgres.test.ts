import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresUnavailable, startPostgres } from './postgres.js';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(unavailable);

describe.skipIf(unavailable)('startPostgres', () => {
  it('gives each call its own database and drops it on stop', async () => {
    const a = await startPostgres();
    const b = await startPostgres();
    expect(a.url).not.toBe(b.url);
    const client = new pg.Client({ connectionString: a.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    await client.query('CREATE TABLE t (x int)');
    await client.end();
    expect(a.url.endsWith(`/${rows[0]?.db}`)).toBe(true);
    await a.stop();
    const again = new pg.Client({ connectionString: a.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
    await b.stop();
  });
});
