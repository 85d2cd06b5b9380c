import { describe, expect, it } from 'vitest';
import { closeInOrder, settleAll } from './settle-all.js';

const later = (ms: number, log: string[], name: string, fail = false) =>
  new Promise<void>((resolve, reject) =>
    setTimeout(() => {
      log.push(name);
      if (fail) reject(new Error(name));
      else resolve();
    }, ms),
  );

describe('settleAll', () => {
  it('rejects only after every task settled, with the first failure in the order given', async () => {
    const log: string[] = [];
    const outcome = settleAll([later(20, log, 'slow'), later(1, log, 'fails fast', true), undefined]).catch(
      (e: Error) => {
        log.push('rejected');
        return e;
      },
    );
    expect(((await outcome) as Error).message).toBe('fails fast');
    expect(log).toEqual(['fails fast', 'slow', 'rejected']);
  });

  it('throws the first failure in order, not the first in time', async () => {
    const log: string[] = [];
    const err = await settleAll([later(10, log, 'a', true), later(1, log, 'b', true)]).catch((e: Error) => e);
    expect((err as Error).message).toBe('a');
  });

  it('resolves when every task resolves', async () => {
    const log: string[] = [];
    await expect(settleAll([later(1, log, 'a'), later(2, log, 'b')])).resolves.toBeUndefined();
    expect(log.sort()).toEqual(['a', 'b']);
  });
});

describe('closeInOrder', () => {
  it('runs every closer in turn although earlier ones fail, then throws the first failure', async () => {
    const log: string[] = [];
    const err = await closeInOrder([
      () => later(5, log, 'queue', true),
      () => {
        log.push('redis');
        throw new Error('redis');
      },
      () => later(1, log, 'store'),
    ]).catch((e: Error) => e);
    expect((err as Error).message).toBe('queue');
    expect(log).toEqual(['queue', 'redis', 'store']);
  });
});
