/** Bounded async-iterator utilities: merge sources, fan out over parents, share a source per run. */

export { fanOut } from './fan-out.js';
export { mergeBounded } from './merge-bounded.js';
export { RunMemo } from './run-memo.js';
