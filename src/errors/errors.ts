/**
 * One error hierarchy for the whole package (manifest contract §8). Every error has a
 * stable `code`, chains its `cause`, and is recognised by a brand rather than
 * `instanceof`, so two copies of the package still agree on what an Inlet error is.
 */

const BRAND = Symbol.for('inlet.error');

export type ErrorCode =
  | 'E_CONFIG'
  | 'E_AUTH'
  | 'E_FORBIDDEN'
  | 'E_NOT_FOUND'
  | 'E_RATE_LIMIT'
  | 'E_CLIENT'
  | 'E_SERVER'
  | 'E_NETWORK'
  | 'E_TIMEOUT'
  | 'E_RESPONSE'
  | 'E_PAGINATION'
  | 'E_CATALOG'
  | 'E_BUSY'
  | 'E_MAPPING'
  | 'E_SECRET_LEAK';

/** Where a failure happened; every field is already redacted. */
export interface ErrorContext {
  method?: string;
  /** Redacted URL. */
  url?: string;
  status?: number;
  /** The provider's request id header (x-github-request-id, x-request-id …). */
  requestId?: string;
  /** First 1 KiB of the response body, redacted. */
  body?: string;
  /** The manifest kind being read, when known. */
  kind?: string;
  cause?: unknown;
}

export class InletError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  method?: string;
  url?: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly body?: string;
  kind?: string;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    this.method = context.method;
    this.url = context.url;
    this.status = context.status;
    this.requestId = context.requestId;
    this.body = context.body;
    this.kind = context.kind;
  }

  /** The CLI's one-line form: code, kind, method, URL, status, then the cause. */
  toLine(): string {
    const parts: string[] = [this.code];
    if (this.kind) parts.push(this.kind);
    if (this.method) parts.push(this.method);
    if (this.url) parts.push(this.url);
    if (this.status !== undefined) parts.push(String(this.status));
    // Messages end with "(METHOD URL)" so they stand alone; the line already says both.
    const suffix = ` (${this.method} ${this.url})`;
    const cause =
      this.method && this.url && this.message.endsWith(suffix)
        ? this.message.slice(0, -suffix.length)
        : this.message;
    return `${parts.join(' ')}: ${cause}`;
  }
}

/** Brand guard: true for any Inlet error, optionally of one `code`. */
export function isInletError(value: unknown, code?: ErrorCode): value is InletError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    (code === undefined || (value as InletError).code === code)
  );
}

/**
 * One problem of a manifest, mapping or setting, as data (zod-style): where it is and what is wrong.
 * `code` is stable for scripts (`unrecognized_keys`, `invalid_type`, `jq`, `unknown_parent` …).
 */
export interface ConfigIssue {
  /** The file as the user named it, when the issue is in a file. */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** Dotted field path (`resources.task.records`, `mapping.resources[0].kind`, `--kinds`). */
  path: string;
  code: string;
  message: string;
}

/** `<file>:<line>: <path>: <message>`, leaving out what is unknown. */
export function issueLine(issue: ConfigIssue): string {
  const where = issue.file ? `${issue.file}${issue.line === undefined ? '' : `:${issue.line}`}: ` : '';
  return `${where}${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

export class ConfigError extends InletError {
  /** Every problem found, in document order; the message is the first one's line. */
  readonly issues: readonly ConfigIssue[];
  constructor(message: string, context?: ErrorContext & { issues?: readonly ConfigIssue[] }) {
    super('E_CONFIG', message, context);
    this.issues = context?.issues ?? [{ path: '', code: 'invalid', message }];
  }

  /**
   * One error for a list of issues: the message is the first issue's line, and how many more.
   * @example throw ConfigError.of([{ path: 'resources.task.parent', code: 'unknown_parent', message: 'unknown parent kind "x"' }]);
   */
  static of(issues: readonly ConfigIssue[], context?: ErrorContext): ConfigError {
    const first = issues[0] ? issueLine(issues[0]) : 'invalid configuration';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    return new ConfigError(`${first}${more}`, { ...context, issues });
  }
}
export class AuthenticationError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_AUTH', message, context);
  }
}
export class PermissionError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_FORBIDDEN', message, context);
  }
}
export class NotFoundError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_NOT_FOUND', message, context);
  }
}
export class RateLimitError extends InletError {
  /** How long the server asked us to wait, in ms, when known. */
  readonly waitMs?: number;
  constructor(message: string, context?: ErrorContext & { waitMs?: number }) {
    super('E_RATE_LIMIT', message, context);
    this.waitMs = context?.waitMs;
  }
}
export class ClientError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_CLIENT', message, context);
  }
}
export class ServerError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_SERVER', message, context);
  }
}
export class NetworkError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_NETWORK', message, context);
  }
}
export class TimeoutError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_TIMEOUT', message, context);
  }
}
export class ResponseError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_RESPONSE', message, context);
  }
}
export class PaginationError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_PAGINATION', message, context);
  }
}
/** Another run of the integration holds the catalog's run lease (`inlet sync --no-wait`). */
export class BusyError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_BUSY', message, context);
  }
}
/** The catalog (SQLite file or PostgreSQL database) failed or is not one; the message names it, password redacted. */
export class CatalogError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_CATALOG', message, context);
  }
}
/** A mapping program that ran past `mapping.timeout` or crashed jq; the message names the field. */
export class MappingError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_MAPPING', message, context);
  }
}
/** `inlet record` refused to write a file in which a secret value still occurs (in any encoding). */
export class SecretLeakError extends InletError {
  constructor(message: string, context?: ErrorContext) {
    super('E_SECRET_LEAK', message, context);
  }
}
