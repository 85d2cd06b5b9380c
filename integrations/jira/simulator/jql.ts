/**
 * A small JQL subset for the simulator (support.atlassian.com "JQL fields/operators/functions"):
 * clauses `field op value` joined by AND / OR / NOT with parentheses; operators = != > >= < <=,
 * IN / NOT IN (list), IS [NOT] EMPTY; values bare, quoted, `now()`, relative dates (`-1w`, `-30d`)
 * and `yyyy-MM-dd`; then ORDER BY field [ASC|DESC], …. Errors carry Jira's own wording.
 */
import type { JiraData, JiraIssue } from './data.js';

/** A JQL the simulator rejects; the app answers 400 with `errorMessages: [message]`. */
export class JqlError extends Error {}

export interface CompiledJql {
  /** False when the query has no search restriction (search/jql refuses unbounded queries). */
  bounded: boolean;
  matches(issue: JiraIssue): boolean;
  compare(a: JiraIssue, b: JiraIssue): number;
}

type Token = { type: 'word' | 'string' | 'op' | 'punct'; text: string };

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(!=|>=|<=|!~|=|>|<|~)|([(),])|([^\s(),=!<>~"']+))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m)
      throw new JqlError(`Error in the JQL Query: The character '${text[at]}' is a reserved JQL character.`);
    if (m[1]) tokens.push({ type: 'string', text: m[1].slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (m[2]) tokens.push({ type: 'op', text: m[2] });
    else if (m[3]) tokens.push({ type: 'punct', text: m[3] });
    else tokens.push({ type: 'word', text: m[4] ?? '' });
  }
  return tokens;
}

type Value = string | number | null | string[];
type Predicate = (issue: JiraIssue) => boolean;

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DATE_FIELDS = new Set(['created', 'updated']);

/** The value of a searchable field for an issue (dates as epoch ms). */
function fieldValue(field: string, issue: JiraIssue): Value {
  switch (field) {
    case 'project':
      return issue.projectKey;
    case 'key':
    case 'issuekey':
      return issue.key;
    case 'status':
      return issue.status.name;
    case 'statuscategory':
      return issue.status.category.name;
    case 'issuetype':
    case 'type':
      return issue.issuetype.name;
    case 'priority':
      return issue.priority.name;
    case 'labels':
      return issue.labels;
    case 'assignee':
      return issue.assignee?.accountId ?? null;
    case 'reporter':
      return issue.reporter.accountId;
    case 'created':
      return issue.created;
    case 'updated':
      return issue.updated;
    default:
      return null;
  }
}
const FIELDS = new Set([
  'project',
  'key',
  'issuekey',
  'status',
  'statuscategory',
  'issuetype',
  'type',
  'priority',
  'labels',
  'assignee',
  'reporter',
  'created',
  'updated',
]);
const SORTABLE: Record<string, (i: JiraIssue) => number | string> = {
  created: (i) => i.created,
  updated: (i) => i.updated,
  key: (i) => `${i.projectKey}-${i.key.slice(i.projectKey.length + 1).padStart(9, '0')}`,
  issuekey: (i) => `${i.projectKey}-${i.key.slice(i.projectKey.length + 1).padStart(9, '0')}`,
  id: (i) => Number(i.id),
  priority: (i) => Number(i.priority.id),
  project: (i) => i.projectKey,
};

class Parser {
  #tokens: Token[];
  #pos = 0;
  readonly #data: JiraData;
  readonly #now: number;

  constructor(text: string, data: JiraData, now: number) {
    this.#tokens = tokenize(text);
    this.#data = data;
    this.#now = now;
  }

  parse(): CompiledJql {
    let where: Predicate | undefined;
    if (!this.#isKeyword('order') && this.#peek()) where = this.#or();
    let compare: CompiledJql['compare'] = (a, b) => Number(b.id) - Number(a.id);
    if (this.#isKeyword('order')) {
      this.#pos++;
      this.#expectKeyword('by');
      compare = this.#sortList();
    }
    const extra = this.#peek();
    if (extra)
      throw new JqlError(`Error in the JQL Query: Expecting either 'OR' or 'AND' but got '${extra.text}'.`);
    return { bounded: where !== undefined, matches: where ?? (() => true), compare };
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#pos];
  }
  #isKeyword(word: string): boolean {
    const t = this.#peek();
    return t?.type === 'word' && t.text.toLowerCase() === word;
  }
  #expectKeyword(word: string): void {
    if (!this.#isKeyword(word)) throw this.#expecting(`'${word.toUpperCase()}'`);
    this.#pos++;
  }
  #expecting(what: string): JqlError {
    const t = this.#peek();
    return new JqlError(
      `Error in the JQL Query: Expecting ${what} but got ${t ? `'${t.text}'` : 'the end of the query'}.`,
    );
  }

  #or(): Predicate {
    const parts = [this.#and()];
    while (this.#isKeyword('or')) {
      this.#pos++;
      parts.push(this.#and());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (i) => parts.some((p) => p(i));
  }
  #and(): Predicate {
    const parts = [this.#not()];
    while (this.#isKeyword('and')) {
      this.#pos++;
      parts.push(this.#not());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (i) => parts.every((p) => p(i));
  }
  #not(): Predicate {
    if (this.#isKeyword('not')) {
      this.#pos++;
      const inner = this.#not();
      return (i) => !inner(i);
    }
    const t = this.#peek();
    if (t?.type === 'punct' && t.text === '(') {
      this.#pos++;
      const inner = this.#or();
      const close = this.#peek();
      if (close?.type !== 'punct' || close.text !== ')') throw this.#expecting("')'");
      this.#pos++;
      return inner;
    }
    return this.#clause();
  }

  #clause(): Predicate {
    const t = this.#peek();
    if (!t || t.type === 'op' || t.type === 'punct') throw this.#expecting('a field name');
    const field = t.text.toLowerCase();
    if (!FIELDS.has(field)) {
      throw new JqlError(`Field '${t.text}' does not exist or you do not have permission to view it.`);
    }
    this.#pos++;
    const op = this.#peek();
    if (op?.type === 'op') {
      this.#pos++;
      const value = this.#value(field);
      return (i) => compareOp(op.text, fieldValue(field, i), value);
    }
    if (this.#isKeyword('is')) {
      this.#pos++;
      const negate = this.#isKeyword('not');
      if (negate) this.#pos++;
      if (!this.#isKeyword('empty') && !this.#isKeyword('null')) throw this.#expecting("'EMPTY'");
      this.#pos++;
      return (i) => isEmpty(fieldValue(field, i)) !== negate;
    }
    const negate = this.#isKeyword('not');
    if (negate) this.#pos++;
    if (this.#isKeyword('in')) {
      this.#pos++;
      const values = this.#list(field);
      return (i) => values.some((v) => compareOp('=', fieldValue(field, i), v)) !== negate;
    }
    throw this.#expecting("an operator such as '=', '!=', 'IN' or 'IS'");
  }

  #list(field: string): Value[] {
    const open = this.#peek();
    if (open?.type !== 'punct' || open.text !== '(') throw this.#expecting("'('");
    this.#pos++;
    const values = [this.#value(field)];
    for (;;) {
      const t = this.#peek();
      if (t?.type === 'punct' && t.text === ',') {
        this.#pos++;
        values.push(this.#value(field));
      } else if (t?.type === 'punct' && t.text === ')') {
        this.#pos++;
        return values;
      } else throw this.#expecting("',' or ')'");
    }
  }

  #value(field: string): Value {
    const t = this.#peek();
    if (!t || t.type === 'op' || t.type === 'punct') throw this.#expecting('a value');
    this.#pos++;
    const next = this.#peek();
    if (t.type === 'word' && next?.type === 'punct' && next.text === '(') {
      const close = this.#tokens[this.#pos + 1];
      if (t.text.toLowerCase() !== 'now' || close?.text !== ')') {
        throw new JqlError(`Error in the JQL Query: Unable to find JQL function '${t.text}()'.`);
      }
      this.#pos += 2;
      return this.#now;
    }
    if (DATE_FIELDS.has(field)) return this.#date(t.text);
    if (field === 'project') return this.#project(t.text);
    return t.text;
  }

  #date(text: string): number {
    const relative = /^([-+]?)(\d+)([mhdw])$/.exec(text);
    if (relative) {
      const ms = Number(relative[2]) * (UNITS[relative[3] ?? 'd'] ?? 0);
      return relative[1] === '-' ? this.#now - ms : this.#now + ms;
    }
    const absolute = /^(\d{4})[-/](\d{2})[-/](\d{2})(?: (\d{2}):(\d{2}))?$/.exec(text);
    if (absolute) {
      const [, y, mo, d, h = '0', mi = '0'] = absolute;
      return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
    }
    throw new JqlError(
      `Date value '${text}' for field 'created' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
    );
  }

  /** A project by key, id or name, as its key; Jira rejects unknown projects outright. */
  #project(text: string): string {
    const lower = text.toLowerCase();
    const found = this.#data.projects.find(
      (p) => p.key.toLowerCase() === lower || p.id === text || p.name.toLowerCase() === lower,
    );
    if (!found) throw new JqlError(`The value '${text}' does not exist for the field 'project'.`);
    return found.key;
  }

  #sortList(): CompiledJql['compare'] {
    const keys: Array<{ get: (i: JiraIssue) => number | string; sign: number }> = [];
    do {
      if (keys.length > 0) this.#pos++;
      const t = this.#peek();
      if (t?.type !== 'word') throw this.#expecting('a field name');
      const get = SORTABLE[t.text.toLowerCase()];
      if (!get) throw new JqlError(`Not able to sort using field '${t.text}'.`);
      this.#pos++;
      let sign = 1;
      if (this.#isKeyword('desc') || this.#isKeyword('asc')) {
        sign = this.#isKeyword('desc') ? -1 : 1;
        this.#pos++;
      }
      keys.push({ get, sign });
    } while (this.#peek()?.text === ',');
    return (a, b) => {
      for (const { get, sign } of keys) {
        const x = get(a);
        const y = get(b);
        if (x < y) return -sign;
        if (x > y) return sign;
      }
      return Number(a.id) - Number(b.id);
    };
  }
}

function isEmpty(value: Value): boolean {
  return value === null || (Array.isArray(value) && value.length === 0);
}

function compareOp(op: string, actual: Value, expected: Value): boolean {
  if (Array.isArray(actual)) {
    const has = actual.some((a) => compareOp('=', a, expected));
    return op === '!=' ? !has : op === '=' ? has : false;
  }
  if (typeof actual === 'number' && typeof expected === 'number') {
    switch (op) {
      case '=':
        return actual === expected;
      case '!=':
        return actual !== expected;
      case '>':
        return actual > expected;
      case '>=':
        return actual >= expected;
      case '<':
        return actual < expected;
      case '<=':
        return actual <= expected;
    }
    return false;
  }
  // Text comparisons are case-insensitive, as Jira's are for names and keys.
  const same = String(actual ?? '').toLowerCase() === String(expected ?? '').toLowerCase();
  if (op === '=') return actual !== null && same;
  if (op === '!=') return actual !== null && !same;
  throw new JqlError(`The operator '${op}' is not supported by the simulator for text fields.`);
}

/**
 * Compile a JQL string against the dataset (project values are checked now, like Jira's validation).
 * @example compileJql('project = PLAT ORDER BY updated DESC', data, Date.now()).matches(issue)
 */
export function compileJql(text: string, data: JiraData, now: number): CompiledJql {
  return new Parser(text, data, now).parse();
}
