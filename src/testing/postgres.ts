/**
 * A PostgreSQL server for tests: `INLET_TEST_PG_URL` when set, otherwise one throwaway server per test
 * process (initdb in a temp dir, trust auth, 127.0.0.1 on a free port, fsync off), started lazily and
 * stopped at process exit. Each `startPostgres()` call gets a fresh database, dropped by `stop()`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** `postgres://…/<fresh database>` */
  url: string;
  /** Drops the database (the shared server keeps running until process exit). */
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** Where the PostgreSQL binaries are: `INLET_TEST_PG_BIN`, else the newest /usr/lib/postgresql/N/bin. */
function findBinDir(): string | undefined {
  const fromEnv = process.env.INLET_TEST_PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'pg_ctl')) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')));
}

/** PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user. */
function postgresUser(): OsUser | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

const isRoot = () => process.getuid?.() === 0;

/**
 * Why PostgreSQL tests cannot run here, or `undefined` when they can: use with `describe.skipIf`.
 * @example
 * describe.skipIf(postgresUnavailable())('postgres', () => { … });
 */
export function postgresUnavailable(): string | undefined {
  if (process.env.INLET_TEST_PG_URL) return undefined;
  if (findBinDir() === undefined) {
    return 'PostgreSQL tests skipped: no pg_ctl in /usr/lib/postgresql/*/bin; set INLET_TEST_PG_URL or INLET_TEST_PG_BIN';
  }
  if (isRoot() && postgresUser() === undefined) {
    return 'PostgreSQL tests skipped: running as root and there is no `postgres` OS user to run the server as';
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let shared: Promise<string> | undefined;

/** Starts the process-wide server once; resolves to its admin URL (database `postgres`). */
function sharedServer(): Promise<string> {
  shared ??= startServer();
  return shared;
}

async function startServer(): Promise<string> {
  const reason = postgresUnavailable();
  const bin = findBinDir();
  if (reason !== undefined || bin === undefined) throw new Error(reason ?? 'no PostgreSQL binaries');
  const user = isRoot() ? postgresUser() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'inlet-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = user
      ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    const result = spawnSync(file, argv, { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`${cmd} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  const port = await freePort();
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  // A detached watchdog stops the server once this process is gone, even when killed: test runners end
  // workers without always emitting 'exit'.
  const stop = [
    ...(user ? ['runuser', '-u', 'postgres', '--'] : []),
    join(bin, 'pg_ctl'),
    '-D',
    data,
    '-m',
    'immediate',
    'stop',
  ];
  const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
  spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.2; done; ${stop.map(quote).join(' ')} >/dev/null 2>&1; rm -rf ${quote(dir)}`,
    ],
    { detached: true, stdio: 'ignore' },
  ).unref();
  run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A fresh, empty database on a test PostgreSQL server.
 * @example
 * const pgdb = await startPostgres();
 * const catalog = await openCatalog(pgdb.url);
 * // …
 * await pgdb.stop();
 */
export async function startPostgres(): Promise<TestPostgres> {
  const admin = process.env.INLET_TEST_PG_URL || (await sharedServer());
  const database = `inlet_test_${randomBytes(6).toString('hex')}`;
  const exec = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await exec(`CREATE DATABASE ${database}`);
  return {
    url: withDatabase(admin, database),
    // WITH (FORCE) ends connections a test left open (PostgreSQL 13+).
    stop: () => exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  };
}
