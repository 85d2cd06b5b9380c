import { describe, expect, it } from 'vitest';
import { renderDeep, renderTemplate, renderValue, type TemplateScope } from './template.js';

const scope: TemplateScope = {
  config: { orgs: ['a', 'b'], state: 'open', size: 100 },
  vars: { org: 'my org?#' },
  parent: { full_name: 'octo/hello world', owner: { login: 'octo' } },
  state: { since: '2024-01-01T00:00:00Z' },
  webhook: { url: 'https://hooks.test/in' },
};

describe('renderTemplate', () => {
  it('encodes each path segment of a value and keeps its slashes', () => {
    expect(renderTemplate('/repos/{parent.full_name}/pulls', scope, { encodePath: true })).toBe(
      '/repos/octo/hello%20world/pulls',
    );
    expect(renderTemplate('/orgs/{org}/repos', scope, { encodePath: true })).toBe(
      '/orgs/my%20org%3F%23/repos',
    );
  });

  it('refuses a dot segment that would climb out of the path', () => {
    expect(() => renderTemplate('/repos/{org}', { vars: { org: '../admin' } }, { encodePath: true })).toThrow(
      /"\.\." path segment/,
    );
  });

  it('leaves values raw without encodePath, renders missing as empty and lists comma separated', () => {
    expect(renderTemplate('{org} {parent.owner.login} {config.orgs} [{config.missing}]', scope)).toBe(
      'my org?# octo a,b []',
    );
    expect(renderTemplate('{"literal": {braces}}', { vars: { braces: 1 } })).toBe('{"literal": 1}');
  });

  it('throws on a placeholder with no variable in scope', () => {
    expect(() => renderTemplate('{nope}', scope)).toThrow(/unknown placeholder "\{nope\}"/);
  });
});

describe('renderValue / renderDeep', () => {
  it('returns the raw value for a single placeholder', () => {
    expect(renderValue('{config.orgs}', scope)).toEqual(['a', 'b']);
    expect(renderValue('{config.size}', scope)).toBe(100);
    expect(renderValue('since={state.since}', scope)).toBe('since=2024-01-01T00:00:00Z');
  });

  it('renders every string in a body, keeping its shape', () => {
    expect(
      renderDeep({ url: '{webhook.url}', events: ['item'], n: 1, orgs: '{config.orgs}' }, scope),
    ).toEqual({
      url: 'https://hooks.test/in',
      events: ['item'],
      n: 1,
      orgs: ['a', 'b'],
    });
  });
});
