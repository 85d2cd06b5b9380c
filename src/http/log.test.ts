import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions, logEvents, withLogContext } from './log.js';
import { Redactor } from './redact.js';
import type { HttpEvent } from './types.js';

function capture(options: LoggerOptions) {
  const lines: string[] = [];
  const logger = createLogger({ ...options, destination: { write: (s: string) => lines.push(s) } });
  return { logger, lines, text: () => lines.join('') };
}

const retry: HttpEvent = {
  type: 'retry',
  method: 'GET',
  url: new URL('https://api.example.test/repos?page=2'),
  attempt: 1,
  delayMs: 1500,
  reason: '503',
};
const wait: HttpEvent = {
  type: 'rate-limit-wait',
  origin: 'https://api.example.test',
  waitMs: 2000,
  reason: 'x',
};

describe('log lines', () => {
  it('carry the kind and run id of the withLogContext they are written in, nested contexts adding up', async () => {
    const { logger, lines } = capture({ format: 'json' });
    const events = logEvents(logger, new Redactor());
    logger.warn('before');
    await withLogContext({ runId: 12 }, async () => {
      await withLogContext({ kind: 'repository' }, async () => {
        await new Promise((r) => setImmediate(r)); // survives an await, as a kind's pages do
        logger.warn('a warning');
        events(retry);
      });
      logger.warn('run level');
    });
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => [l.msg, l.kind, l.runId])).toEqual([
      ['before', undefined, undefined],
      ['a warning', 'repository', 12],
      ['retrying after 503, attempt 1 failed; waiting 2s', 'repository', 12],
      ['run level', undefined, 12],
    ]);
  });

  it('reach a foreign pino logger through the client events, without repeating its own child bindings', () => {
    const { logger, lines } = capture({ format: 'json' });
    const child = logger.child({ kind: 'repository' });
    const events = logEvents(child, new Redactor());
    withLogContext({ kind: 'repository', runId: 3 }, () => events(wait));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.match(/"kind"/g)).toHaveLength(1);
    expect(lines[0]!.match(/"runId"/g)).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: 'repository', runId: 3, waitMs: 2000 });
  });

  it('keep the kind a warning event names, and otherwise the context kind', () => {
    const { logger, lines } = capture({ format: 'json' });
    const events = logEvents(logger, new Redactor());
    withLogContext({ kind: 'repository', runId: 1 }, () => {
      events({ type: 'warning', message: 'repeated next link' });
      events({ type: 'warning', message: 'loop', kind: 'pull-request' });
    });
    expect(lines.map((l) => JSON.parse(l).kind)).toEqual(['repository', 'pull-request']);
  });

  it('in pretty mode, are one line each, tagged with the run and the kind', () => {
    const { logger, lines } = capture({ format: 'pretty', level: 'debug' });
    const events = logEvents(logger, new Redactor());
    withLogContext({ kind: 'pull-request', runId: 7 }, () => {
      logger.warn({ url: 'https://api.example.test/x', detail: { nested: [1, 2] } }, 'maxItems (5) reached');
      events(retry);
    });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.trimEnd().split('\n')).toHaveLength(1);
    expect(lines[0]).toMatch(/WARN.*: \[run 7 pull-request\] maxItems \(5\) reached .*"nested":\[1,2\]/);
    expect(lines[1]).toMatch(/DEBUG.*: \[run 7 pull-request\] retrying after 503/);
    expect(lines.join('')).not.toMatch(/hostname|pid|"kind"|"runId"/);
  });

  it('write retries and waits as warnings in JSON and as debug lines in pretty mode, unless told otherwise', () => {
    const json = capture({ format: 'json' });
    const pretty = capture({ format: 'pretty' });
    const loud = capture({ format: 'pretty', retryLevel: 'warn' });
    for (const { logger } of [json, pretty, loud]) {
      const events = logEvents(logger, new Redactor());
      events(retry);
      events(wait);
    }
    expect(json.lines.map((l) => JSON.parse(l).level)).toEqual([40, 40]);
    expect(pretty.lines).toEqual([]);
    expect(loud.lines).toHaveLength(2);
    // Children keep the parent's setting.
    const parent = capture({ format: 'pretty' });
    logEvents(parent.logger.child({ x: 1 }), new Redactor())(retry);
    expect(parent.lines).toEqual([]);
    parent.logger.child({ x: 1 }).warn('still written');
    expect(parent.lines).toHaveLength(1);
  });

  it('redact secrets in the tagged pretty line as in JSON', () => {
    const { logger, text } = capture({ format: 'pretty' });
    const redactor = new Redactor();
    redactor.add('s3cr3t-token');
    withLogContext({ kind: 'k', runId: 1 }, () =>
      logEvents(logger, redactor)({ type: 'warning', message: 'bad page ?token=s3cr3t-token' }),
    );
    expect(text()).toContain('[run 1 k] bad page ?token=***');
    expect(text()).not.toContain('s3cr3t');
  });
});
