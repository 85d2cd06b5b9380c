/**
 * Bounded async-iterator utilities: merge sources, fan out over parents, share a source among a
 * fixed set of consumers (broadcast, bounded) or per run with replay (RunMemo, keeps every item).
 */

export { type BroadcastOptions, broadcast } from './broadcast.js';
export { fanOut } from './fan-out.js';
export { mergeBounded } from './merge-bounded.js';
export { pageBatches, readAhead, readAheadBatches } from './read-ahead.js';
export { RunMemo } from './run-memo.js';
export { closeInOrder, settleAll } from './settle-all.js';
