/**
 * WAL checkpoints of a SQLite catalog on a worker thread with its own connection (OpenCatalogOptions
 * `backgroundCheckpoints`, for `inlet serve`): the connection that answers webhooks then never copies
 * WAL pages into the database file nor waits for a checkpoint's fsync inside a commit. Checkpoints
 * are PASSIVE (they never block or wait for a writer); durability is the WAL's, as before: a commit
 * is in the WAL when it returns, checkpointed or not.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** How often the thread checkpoints: at ~3,000 deliveries/s of ~24 KB, ~20 MB of WAL a second. */
const EVERY_MS = 50;

/** SQLite's own default, restored on the writer if the thread is gone. */
const AUTOCHECKPOINT_PAGES = 1000;

/**
 * The thread's code, as an ES module in a `data:` URL (the same source runs from dist/ and under
 * vitest, see jq-worker.ts). A checkpoint that fails (the file is busy being closed) is tried again.
 */
const SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
const Database = createRequire(workerData.driver)(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {}
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
parentPort.postMessage('ready');
`;
const SCRIPT = new URL(`data:text/javascript,${encodeURIComponent(SOURCE)}`);
const DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');

export interface Checkpointer {
  /** Last checkpoint, close the thread's connection, end the thread. */
  stop(): Promise<void>;
}

/**
 * Hands the WAL checkpoints of `db` (open on `path`, in WAL mode) to a thread: `db` stops checkpointing
 * at commit (`wal_autocheckpoint = 0`) once the thread is up, and goes back to it if the thread dies.
 * @example const checkpoints = await startCheckpointer(db, './inlet.db'); … await checkpoints.stop(); db.close();
 */
export async function startCheckpointer(db: Database.Database, path: string): Promise<Checkpointer> {
  const worker = new Worker(SCRIPT, { workerData: { driver: DRIVER, path, everyMs: EVERY_MS } });
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => {
      worker.off('error', reject);
      resolve();
    });
    void exited.then(() => reject(new Error('the checkpoint thread exited while starting')));
  });
  db.pragma('wal_autocheckpoint = 0');
  worker.on('error', () => {});
  void exited.then(() => {
    // Not stopped by us: the writer checkpoints at commit again, so the WAL cannot grow without end.
    if (!stopping && db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  });
  // Never what keeps the process alive.
  worker.unref();
  return {
    async stop() {
      if (stopping) return exited;
      stopping = true;
      worker.postMessage('stop');
      await exited;
    },
  };
}
