/** Scale-out: what several processes share through Redis (the rate budget; the job queue). */
export {
  type RedisBudgetStore,
  type RedisBudgetStoreOptions,
  redisBudgetStore,
} from './redis-budget-store.js';
