/**
 * Which blueprints a run may reconcile (cli-and-catalog contract, "Rules"): a blueprint is
 * reconciled only when every kind that can produce it was read completely in this run.
 * A kind whose blueprint program is not a literal may produce anything, so its failure
 * blocks every blueprint.
 */
export interface KindOutcome {
  kind: string;
  /** Blueprints its mapping names as literals, plus those seen on its entities this run. */
  blueprints: Set<string>;
  /** True when its blueprint program is not a plain string literal. */
  dynamicBlueprint: boolean;
  complete: boolean;
  /** Whether the kind ran in this run (`--kinds` may leave some out). */
  ran: boolean;
  /** Set when the kind read only part of its records (incremental, a window): never a basis for deletion. */
  partial?: string;
}

export interface ReconcileDecision {
  blueprint: string;
  reconcile: boolean;
  reason?: string;
}

export function reconcilable(outcomes: KindOutcome[]): ReconcileDecision[] {
  const all = new Set(outcomes.flatMap((o) => [...o.blueprints]));
  const decisions: ReconcileDecision[] = [];
  for (const blueprint of [...all].sort()) {
    const producers = outcomes.filter((o) => o.dynamicBlueprint || o.blueprints.has(blueprint));
    if (!producers.some((o) => o.ran)) continue;
    const notRun = producers.filter((o) => !o.ran).map((o) => o.kind);
    const failed = producers.filter((o) => o.ran && !o.complete).map((o) => o.kind);
    const partial = producers.find((o) => o.ran && o.complete && o.partial);
    if (failed.length > 0) {
      decisions.push({ blueprint, reconcile: false, reason: `kind ${failed.join(', ')} did not complete` });
    } else if (partial) {
      decisions.push({ blueprint, reconcile: false, reason: `kind ${partial.kind} ${partial.partial}` });
    } else if (notRun.length > 0) {
      decisions.push({
        blueprint,
        reconcile: false,
        reason: `kind ${notRun.join(', ')} was not read in this run`,
      });
    } else {
      decisions.push({ blueprint, reconcile: true });
    }
  }
  return decisions;
}
