import { describe, expect, it } from 'vitest';
import { type KindOutcome, reconcilable } from './stale.js';

const kind = (k: string, blueprints: string[], over: Partial<KindOutcome> = {}): KindOutcome => ({
  kind: k,
  blueprints: new Set(blueprints),
  dynamicBlueprint: false,
  complete: true,
  ran: true,
  ...over,
});

describe('reconcilable', () => {
  it('reconciles blueprints whose producing kinds all completed', () => {
    expect(reconcilable([kind('repository', ['repo']), kind('pull-request', ['pr'])])).toEqual([
      { blueprint: 'pr', reconcile: true },
      { blueprint: 'repo', reconcile: true },
    ]);
  });

  it('refuses a blueprint when any producing kind failed, and keeps reconciling the others', () => {
    const decisions = reconcilable([
      kind('repository', ['repo']),
      kind('pull-request', ['pr'], { complete: false }),
      kind('closed-pr', ['pr']),
    ]);
    expect(decisions).toEqual([
      { blueprint: 'pr', reconcile: false, reason: 'kind pull-request did not complete' },
      { blueprint: 'repo', reconcile: true },
    ]);
  });

  it('with --kinds, reconciles only blueprints produced by the kinds that ran alone', () => {
    const decisions = reconcilable([
      kind('repository', ['repo']),
      kind('pull-request', ['pr'], { ran: false }),
      kind('issue', ['repo'], { ran: false }),
    ]);
    expect(decisions).toEqual([
      { blueprint: 'repo', reconcile: false, reason: 'kind issue was not read in this run' },
    ]);
  });

  it('a failed kind with a computed blueprint blocks every blueprint', () => {
    const decisions = reconcilable([
      kind('a', ['x']),
      kind('b', [], { dynamicBlueprint: true, complete: false }),
    ]);
    expect(decisions).toEqual([{ blueprint: 'x', reconcile: false, reason: 'kind b did not complete' }]);
  });

  it('never reconciles a blueprint from a partial read (incremental, a window), and says why', () => {
    const decisions = reconcilable([
      kind('contact', ['contact'], { partial: 'read a subset (partial: 2026-01-01)' }),
      kind('group', ['group']),
    ]);
    expect(decisions).toEqual([
      { blueprint: 'contact', reconcile: false, reason: 'kind contact read a subset (partial: 2026-01-01)' },
      { blueprint: 'group', reconcile: true },
    ]);
  });
});
