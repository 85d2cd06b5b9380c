/**
 * The JS fast path: programs built only from plain paths (`.a.b`, `.["x"]`, `$parent.login`),
 * literals (`"githubRepository"`, `true`, `null`, small integers), `if … then … elif … else … end`,
 * `a // b`, `a | b`, `+`, `==`, `!=`, `and`, `or`, `not`, `tostring`, collects (`[.a[].b]`,
 * `[.a[]? | f]`, `[f]`) and parentheses are evaluated without jq, with jq 1.8's semantics (see
 * jq-values.ts): a key of null is null, a missing key is null, indexing anything else is an error
 * (the field is null), only false and null are falsy, and `a // b` gives b when a is false or null
 * (jq 1.8 lets an error in a through; the differential test in fast-path.test.ts pins this). Each
 * of these forms has exactly one output or an error; anything else is left to jq.
 */
import {
  FAIL,
  iterate,
  jqAdd,
  jqEqual,
  jqToString,
  printable,
  type Step,
  truthy,
  walk,
} from './jq-values.js';

/** Evaluates on one record with the bound variables; returns undefined when jq would raise. */
export type FastFn = (record: unknown, vars: Record<string, unknown>) => unknown;

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
// No raw control characters or lone-surrogate escapes: there JSON.parse and jq disagree.
const STRING = /"(?:[^"\\\p{Cc}]|\\["\\/bfnrt]|\\u(?![dD][89a-fA-F])[0-9a-fA-F]{4})*"/uy;
// Integers JS and jq both print as written (no exponent, exact as a double).
const INTEGER = /(?:0|[1-9][0-9]{0,14})(?![0-9A-Za-z_.])/y;
const SPACE = /\s*/y;

type Eval = (input: unknown, vars: Record<string, unknown>) => unknown;

/**
 * An evaluator and whether it may output a number computed by `+` (or an array holding one):
 * jq 1.8 prints those unlike literals, so `tostring` declines them.
 */
interface Node {
  ev: Eval;
  computed: boolean;
}

class Parser {
  pos = 0;
  /** Whether `.` may be a computed number here (inside the right side of `a | b`). */
  private inputComputed = false;
  /** Whether the program adds (its outputs then go through printable). */
  adds = false;
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

  /** Consumes operator `op` unless it is the start of `notBefore` (`|` of `|=`, `//` of `//=`). */
  private operator(op: string, ...notBefore: string[]): boolean {
    this.skipSpace();
    if (!this.text.startsWith(op, this.pos)) return false;
    if (notBefore.some((longer) => this.text.startsWith(longer, this.pos))) return false;
    this.pos += op.length;
    return true;
  }

  /** pipe := alt ('|' pipe)?  — jq's lowest precedence (no `,`: it has several outputs). */
  expr(): Node | null {
    const left = this.alt();
    if (!left || !this.operator('|', '|=')) return left;
    const outer = this.inputComputed;
    this.inputComputed = left.computed;
    const right = this.expr();
    this.inputComputed = outer;
    if (!right) return null;
    return {
      ev: (input, vars) => {
        const v = left.ev(input, vars);
        return v === FAIL ? FAIL : right.ev(v, vars);
      },
      computed: right.computed,
    };
  }

  /** alt := or ('//' alt)?  — `//` is right-associative; the grouping does not change the result. */
  private alt(): Node | null {
    const left = this.or();
    if (!left || !this.operator('//', '//=')) return left;
    const right = this.alt();
    if (!right) return null;
    return {
      ev: (input, vars) => {
        const v = left.ev(input, vars);
        return v === null || v === false ? right.ev(input, vars) : v;
      },
      computed: left.computed || right.computed,
    };
  }

  /** or := and ('or' and)*, and := cmp ('and' cmp)*: b runs only when a does not decide. */
  private or(): Node | null {
    return this.logical('or', () => this.and(), true);
  }

  private and(): Node | null {
    return this.logical('and', () => this.cmp(), false);
  }

  private logical(word: string, operand: () => Node | null, decidesOn: boolean): Node | null {
    let left = operand();
    while (left && this.keyword(word)) {
      const right = operand();
      if (!right) return null;
      const a = left.ev;
      const b = right.ev;
      left = {
        ev: (input, vars) => {
          const x = a(input, vars);
          if (x === FAIL) return FAIL;
          if (truthy(x) === decidesOn) return decidesOn;
          const y = b(input, vars);
          return y === FAIL ? FAIL : truthy(y);
        },
        computed: false,
      };
    }
    return left;
  }

  /** cmp := add (('==' | '!=') add)?  — non-associative; `<`, `>` (jq's total order) need jq. */
  private cmp(): Node | null {
    const left = this.add();
    if (!left) return null;
    const eq = this.operator('==');
    if (!eq && !this.operator('!=')) return left;
    const right = this.add();
    if (!right) return null;
    return {
      ev: (input, vars) => {
        const a = left.ev(input, vars);
        if (a === FAIL) return FAIL;
        const b = right.ev(input, vars);
        return b === FAIL ? FAIL : jqEqual(a, b) === eq;
      },
      computed: false,
    };
  }

  /** add := term ('+' term)*  — left-associative; `-`, `*`, `/`, `%` are left for jq. */
  private add(): Node | null {
    let left = this.term();
    while (left && this.operator('+', '+=')) {
      const right = this.term();
      if (!right) return null;
      const a = left.ev;
      const b = right.ev;
      this.adds = true;
      left = {
        ev: (input, vars) => {
          const x = a(input, vars);
          if (x === FAIL) return FAIL;
          const y = b(input, vars);
          return y === FAIL ? FAIL : jqAdd(x, y);
        },
        computed: true,
      };
    }
    return left;
  }

  private term(): Node | null {
    this.skipSpace();
    if (this.keyword('if')) return this.conditional();
    for (const word of ['true', 'false', 'null']) {
      if (this.keyword(word)) return constant(JSON.parse(word));
    }
    if (this.keyword('not')) return { ev: (input) => !truthy(input), computed: false };
    if (this.keyword('tostring')) {
      if (this.inputComputed) return null;
      return { ev: jqToString, computed: false };
    }
    const literal = this.match(STRING) ?? this.match(INTEGER);
    if (literal !== null) return constant(JSON.parse(literal));
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.expr();
      this.skipSpace();
      if (!inner || this.text[this.pos] !== ')') return null;
      this.pos++;
      return inner;
    }
    if (this.text[this.pos] === '[') return this.collect();
    const path = this.path(false);
    if (!path) return null;
    const { root, steps } = path;
    const keys = steps.map((s) => (s as { key: string }).key);
    return {
      ev: (input, vars) => walk(root === null ? input : (vars[root] ?? null), keys),
      computed: root === null && this.inputComputed,
    };
  }

  /** `[]`, `[f]`, or `[p]` / `[p | f]` where p is a path with `[]` or `[]?` steps. */
  private collect(): Node | null {
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { ev: () => [], computed: false };
    }
    const start = this.pos;
    const path = this.path(true);
    if (path?.steps.some((s) => 'each' in s)) {
      const { root, steps } = path;
      const computed = root === null && this.inputComputed;
      let each: Node | null = null;
      if (this.operator('|', '|=')) {
        const outer = this.inputComputed;
        this.inputComputed = computed;
        each = this.expr();
        this.inputComputed = outer;
        if (!each) return null;
      }
      if (!this.operator(']')) {
        if (each) return null;
      } else {
        const gen = iterate(steps);
        const f = each?.ev;
        return {
          ev: (input, vars) => {
            const out: unknown[] = [];
            if (!gen(root === null ? input : (vars[root] ?? null), out)) return FAIL;
            if (!f) return out;
            for (let i = 0; i < out.length; i++) {
              const v = f(out[i], vars);
              if (v === FAIL) return FAIL;
              out[i] = v;
            }
            return out;
          },
          computed: each ? each.computed : computed,
        };
      }
    }
    this.pos = start;
    const inner = this.expr();
    if (!inner || !this.operator(']')) return null;
    return {
      ev: (input, vars) => {
        const v = inner.ev(input, vars);
        return v === FAIL ? FAIL : [v];
      },
      computed: inner.computed,
    };
  }

  /** After `if`: C then A (elif C then A)* (else B)? end; without else, a falsy C gives `.`. */
  private conditional(): Node | null {
    const branches: [Eval, Eval][] = [];
    let otherwise: Eval = (input) => input;
    let computed = false;
    for (;;) {
      const cond = this.expr();
      if (!cond || !this.keyword('then')) return null;
      const then = this.expr();
      if (!then) return null;
      branches.push([cond.ev, then.ev]);
      computed ||= then.computed;
      if (this.keyword('elif')) continue;
      if (this.keyword('else')) {
        const e = this.expr();
        if (!e) return null;
        otherwise = e.ev;
        computed ||= e.computed;
      } else {
        computed ||= this.inputComputed;
      }
      if (!this.keyword('end')) return null;
      break;
    }
    return {
      ev: (input, vars) => {
        for (const [cond, then] of branches) {
          const c = cond(input, vars);
          if (c === FAIL) return FAIL;
          if (c !== null && c !== false) return then(input, vars);
        }
        return otherwise(input, vars);
      },
      computed,
    };
  }

  /**
   * `.`, `.a.b["c"]`, `."x"`, `$v.a` (no spaces inside), and with `stream` also `[]` and `[]?`
   * steps (`.a[].b`, `.[]?`); null for anything else.
   */
  private path(stream: boolean): { root: string | null; steps: Step[] } | null {
    let root: string | null = null;
    if (this.text[this.pos] === '$') {
      this.pos++;
      const name = this.match(IDENT);
      if (name === null || name === 'ENV' || name.startsWith('__')) return null;
      root = name;
    } else if (this.text[this.pos] !== '.') {
      return null;
    }
    const steps: Step[] = [];
    for (;;) {
      const start = this.pos;
      const dotted = this.text[this.pos] === '.';
      if (dotted) this.pos++;
      const id = dotted ? this.match(IDENT) : null;
      if (id !== null) {
        steps.push({ key: id });
        continue;
      }
      const bracket = this.text[this.pos] === '[';
      if (bracket) this.pos++;
      // `[]` only after a path (`.[]`, `.a[]`, `$v[]`); a leading `[]` is an empty array literal.
      const after = dotted || root !== null || steps.length > 0;
      if (stream && bracket && after && this.text[this.pos] === ']') {
        this.pos++;
        const optional = this.text[this.pos] === '?';
        if (optional) this.pos++;
        steps.push({ each: optional });
        continue;
      }
      const str = this.match(STRING);
      // `["k"]` only after a path (`.a["k"]`, `$v["k"]`); a leading `["k"]` is an array literal.
      if (str !== null && (bracket || dotted) && after && (!bracket || this.text[this.pos] === ']')) {
        if (bracket) this.pos++;
        steps.push({ key: JSON.parse(str) as string });
        continue;
      }
      // A lone leading `.` is the identity; what follows it (`[0]`, `.`) is left for the caller to reject.
      this.pos = root === null && steps.length === 0 ? start + 1 : start;
      break;
    }
    return { root, steps };
  }
}

const constant = (value: unknown): Node => ({ ev: () => value, computed: false });

/**
 * A JS evaluator equivalent to the jq program, or null when the program needs jq.
 * @example compileFast('if .description then .description else "" end')?.({ description: null }, {}) // ''
 */
export function compileFast(program: string): FastFn | null {
  const parser = new Parser(program);
  const node = parser.expr();
  parser.skipSpace();
  if (!node || parser.pos !== program.length) return null;
  const { ev } = node;
  if (parser.adds) {
    return (record, vars) => {
      const v = ev(record, vars);
      return v === FAIL ? undefined : printable(v);
    };
  }
  return (record, vars) => {
    const v = ev(record, vars);
    return v === FAIL ? undefined : v;
  };
}
