/**
 * A Redis server for tests: `INLET_TEST_REDIS_URL` when set, otherwise one throwaway `redis-server` per
 * test process (Debian's package: 127.0.0.1 on a free port, a temp dir, no persistence), started lazily
 * and stopped once the process is gone. Test files share the server, so each `startRedis()` call gets
 * its own key prefix and `stop()` deletes that prefix's keys, never the whole database.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface TestRedis {
  /** `redis://127.0.0.1:<port>` (or INLET_TEST_REDIS_URL). */
  url: string;
  /** A fresh key prefix (`inlet-test-<hex>:`) for everything this test writes. */
  prefix: string;
  /** Deletes every key under `prefix` (the shared server keeps running until process exit). */
  stop(): Promise<void>;
}

/** `INLET_TEST_REDIS_BIN`, else Debian's /usr/bin/redis-server. */
function serverBinary(): string | undefined {
  const bin = process.env.INLET_TEST_REDIS_BIN || '/usr/bin/redis-server';
  return existsSync(bin) ? bin : undefined;
}

/**
 * Why Redis tests cannot run here, or `undefined` when they can: use with `describe.skipIf`.
 * @example
 * describe.skipIf(redisUnavailable())('redis', () => { … });
 */
export function redisUnavailable(): string | undefined {
  if (process.env.INLET_TEST_REDIS_URL) return undefined;
  if (serverBinary() === undefined) {
    return 'Redis tests skipped: no /usr/bin/redis-server (apt-get install redis-server); set INLET_TEST_REDIS_URL or INLET_TEST_REDIS_BIN';
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

/** True once the server answers PING on `port` (RESP inline command). */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

let shared: Promise<string> | undefined;

/** Starts the process-wide server once; resolves to its URL. */
function sharedServer(): Promise<string> {
  shared ??= startServer();
  return shared;
}

async function startServer(): Promise<string> {
  const reason = redisUnavailable();
  const bin = serverBinary();
  if (reason !== undefined || bin === undefined) throw new Error(reason ?? 'no redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'inlet-redis-'));
  const log = join(dir, 'log');
  const port = await freePort();
  // Tests need no durability: no RDB snapshots, no append-only file.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', log];
  args.push('--save', '', '--appendonly', 'no', '--daemonize', 'no');
  const child = spawn(bin, args, { detached: true, stdio: 'ignore' });
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
  // A detached watchdog stops the server once this process is gone, even when killed: test runners end
  // workers without always emitting 'exit'.
  spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.2; done; kill ${child.pid} 2>/dev/null; sleep 0.5; rm -rf ${quote(dir)}`,
    ],
    { detached: true, stdio: 'ignore' },
  ).unref();
  for (const startedAt = Date.now(); Date.now() - startedAt < 30_000; ) {
    if (exited !== undefined) {
      const output = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`redis-server exited (${exited}) before it answered: ${output}`);
    }
    if (await pings(port)) return `redis://127.0.0.1:${port}`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within 30 s`);
}

/**
 * A test Redis and a fresh key prefix on it.
 * @example
 * const redis = await startRedis();
 * const store = redisBudgetStore(redis.url, { prefix: redis.prefix });
 * // …
 * await redis.stop();
 */
export async function startRedis(): Promise<TestRedis> {
  const url = process.env.INLET_TEST_REDIS_URL || (await sharedServer());
  const prefix = `inlet-test-${randomBytes(6).toString('hex')}:`;
  return {
    url,
    prefix,
    async stop() {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
      await redis.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.unlink(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
