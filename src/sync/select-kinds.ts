import type { KindPlan, SyncPlan } from './plan.js';

/** Which kinds a run stores, which it reads only as parents, and how many pipelines read each. */
export interface Selection {
  /** Kinds whose records are mapped and stored, in plan order. */
  selected: KindPlan[];
  /** Kinds not read at all, with why (summary rows say `skipped`). */
  skipped: Map<string, string>;
  /** Pipelines reading `kind`'s pages: itself when selected, plus each read child. */
  consumers(kind: string): number;
}

/**
 * `--kinds a,b` selects those; otherwise every kind some mapping entry reads. A selected kind's
 * ancestors are read for their records but not stored; any other kind is not read at all (a
 * mapping of repositories alone does not spend the budget on every pull request).
 */
export function selectKinds(
  plan: SyncPlan,
  mapper: { maps(kind: string): boolean },
  only?: string[],
): Selection {
  const byKind = new Map(plan.kinds.map((k) => [k.kind, k]));
  const selected = plan.kinds.filter((k) => (only?.length ? only.includes(k.kind) : mapper.maps(k.kind)));
  const read = new Set<string>();
  for (const k of selected) {
    for (let kind: string | undefined = k.kind; kind && !read.has(kind); kind = byKind.get(kind)?.parent) {
      read.add(kind);
    }
  }
  const stored = new Set(selected.map((k) => k.kind));
  const skipped = new Map<string, string>();
  for (const k of plan.kinds) {
    if (read.has(k.kind)) continue;
    skipped.set(k.kind, only?.length ? 'not in --kinds' : 'no mapping entry reads this kind');
  }
  const counts = new Map<string, number>();
  for (const kind of read) {
    let n = stored.has(kind) ? 1 : 0;
    for (const child of read) if (byKind.get(child)?.parent === kind) n++;
    counts.set(kind, n);
  }
  return { selected, skipped, consumers: (kind) => counts.get(kind) ?? 0 };
}
