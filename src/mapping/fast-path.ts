/**
 * The JS fast path: programs built only from plain paths (`.a.b`, `.["x"]`, `$parent.login`),
 * literals (`"githubRepository"`, `true`, `null`), `if … then … elif … else … end`, `a // b` and
 * parentheses are evaluated without jq, with jq's semantics: a key of null is null, a missing key is
 * null, indexing anything else is an error (the field is null), only false and null are falsy, and
 * `a // b` gives b when a is false or null (jq 1.8 lets an error in a through; the differential
 * test in fast-path.test.ts pins this). Each of these forms has exactly one output or an error.
 */

/** Evaluates on one record with the bound variables; returns undefined when jq would raise. */
export type FastFn = (record: unknown, vars: Record<string, unknown>) => unknown;

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
// No raw control characters or lone-surrogate escapes: there JSON.parse and jq disagree.
const STRING = /"(?:[^"\\\p{Cc}]|\\["\\/bfnrt]|\\u(?![dD][89a-fA-F])[0-9a-fA-F]{4})*"/uy;
const SPACE = /\s*/y;

const FAIL = Symbol('jq error');
type Eval = (input: unknown, vars: Record<string, unknown>) => unknown;

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  private match(re: RegExp): string | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return null;
    this.pos += m[0].length;
    return m[0];
  }

  skipSpace(): void {
    this.match(SPACE);
  }

  /** Consumes `word` when it is the next token (not a prefix of a longer identifier). */
  private keyword(word: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(word, this.pos)) return false;
    const after = this.text[this.pos + word.length];
    if (after !== undefined && /[A-Za-z0-9_]/.test(after)) return false;
    this.pos += word.length;
    return true;
  }

  /** alt := term ('//' alt)?  — `//` is right-associative; the grouping does not change the result. */
  expr(): Eval | null {
    const left = this.term();
    if (!left) return null;
    this.skipSpace();
    if (!this.text.startsWith('//', this.pos) || this.text[this.pos + 2] === '=') return left;
    this.pos += 2;
    const right = this.expr();
    if (!right) return null;
    return (input, vars) => {
      const v = left(input, vars);
      return v === null || v === false ? right(input, vars) : v;
    };
  }

  private term(): Eval | null {
    this.skipSpace();
    if (this.keyword('if')) return this.conditional();
    for (const word of ['true', 'false', 'null']) {
      if (this.keyword(word)) {
        const value = JSON.parse(word) as unknown;
        return () => value;
      }
    }
    const str = this.match(STRING);
    if (str !== null) {
      const value = JSON.parse(str) as unknown;
      return () => value;
    }
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.expr();
      this.skipSpace();
      if (!inner || this.text[this.pos] !== ')') return null;
      this.pos++;
      return inner;
    }
    return this.path();
  }

  /** After `if`: C then A (elif C then A)* (else B)? end; without else, a falsy C gives `.`. */
  private conditional(): Eval | null {
    const branches: [Eval, Eval][] = [];
    let otherwise: Eval = (input) => input;
    for (;;) {
      const cond = this.expr();
      if (!cond || !this.keyword('then')) return null;
      const then = this.expr();
      if (!then) return null;
      branches.push([cond, then]);
      if (this.keyword('elif')) continue;
      if (this.keyword('else')) {
        const e = this.expr();
        if (!e) return null;
        otherwise = e;
      }
      if (!this.keyword('end')) return null;
      break;
    }
    return (input, vars) => {
      for (const [cond, then] of branches) {
        const c = cond(input, vars);
        if (c === FAIL) return FAIL;
        if (c !== null && c !== false) return then(input, vars);
      }
      return otherwise(input, vars);
    };
  }

  /** `.`, `.a.b["c"]`, `."x"`, `$v.a` (no spaces inside); null for anything else. */
  private path(): Eval | null {
    let root: string | null = null;
    if (this.text[this.pos] === '$') {
      this.pos++;
      const name = this.match(IDENT);
      if (name === null || name === 'ENV' || name.startsWith('__')) return null;
      root = name;
    } else if (this.text[this.pos] !== '.') {
      return null;
    }
    const keys: string[] = [];
    for (;;) {
      const start = this.pos;
      const dotted = this.text[this.pos] === '.';
      if (dotted) this.pos++;
      const id = dotted ? this.match(IDENT) : null;
      if (id !== null) {
        keys.push(id);
        continue;
      }
      const bracket = this.text[this.pos] === '[';
      if (bracket) this.pos++;
      const str = this.match(STRING);
      // `["k"]` only after a path (`.a["k"]`, `$v["k"]`); a leading `["k"]` is an array literal.
      const after = dotted || root !== null || keys.length > 0;
      if (str !== null && (bracket || dotted) && after && (!bracket || this.text[this.pos] === ']')) {
        if (bracket) this.pos++;
        keys.push(JSON.parse(str) as string);
        continue;
      }
      // A lone leading `.` is the identity; what follows it (`[0]`, `.`) is left for the caller to reject.
      this.pos = root === null && keys.length === 0 ? start + 1 : start;
      break;
    }
    return (input, vars) => walk(root === null ? input : (vars[root] ?? null), keys);
  }
}

function walk(value: unknown, keys: readonly string[]): unknown {
  let v = value;
  for (const k of keys) {
    if (v === null || v === undefined) return null;
    if (typeof v !== 'object' || Array.isArray(v)) return FAIL;
    v = Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : null;
  }
  return v === undefined ? null : v;
}

/**
 * A JS evaluator equivalent to the jq program, or null when the program needs jq.
 * @example compileFast('if .description then .description else "" end')?.({ description: null }, {}) // ''
 */
export function compileFast(program: string): FastFn | null {
  const parser = new Parser(program);
  const fn = parser.expr();
  parser.skipSpace();
  if (!fn || parser.pos !== program.length) return null;
  return (record, vars) => {
    const v = fn(record, vars);
    return v === FAIL ? undefined : v;
  };
}
