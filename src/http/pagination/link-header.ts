/**
 * RFC 8288 §3 Link header parser:
 *   Link       = #link-value
 *   link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
 *   link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
 */

import { type ErrorContext, PaginationError } from '../../errors/errors.js';

/** One link of a Link header. */
interface LinkValue {
  /** The URI reference as written; resolve it against the response URL. */
  uri: string;
  /** Lower-case parameter names; the first occurrence of a name wins (RFC 8288 §3.3). */
  params: Record<string, string>;
  /** The `rel` values, lower-cased: `rel="next last"` gives ['next', 'last']. */
  rels: string[];
}

const OWS = new Set([' ', '\t']);
// Unquoted values are read up to a delimiter rather than strictly as RFC 9110 tokens:
// servers send `type=application/json` unquoted, and refusing it would gain nothing.
const VALUE_END = new Set([' ', '\t', ';', ',', '"']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Parse a Link header; throws PaginationError (with a header excerpt) when it is malformed.
 * @example parseLinkHeader('<https://api.example/items?page=2>; rel="next"')[0]?.uri
 */
export function parseLinkHeader(header: string, context: ErrorContext = {}): LinkValue[] {
  const links: LinkValue[] = [];
  let pos = 0;

  while (pos < header.length) {
    // `#` lists allow empty elements: ", , <a>; rel=next".
    while (pos < header.length && (OWS.has(header.charAt(pos)) || header.charAt(pos) === ',')) pos++;
    if (pos >= header.length) break;
    if (header.charAt(pos) !== '<') fail("expected '<'");
    const close = header.indexOf('>', pos + 1);
    if (close < 0) fail("missing '>'");
    const uri = header.slice(pos + 1, close);
    pos = close + 1;
    const params: Record<string, string> = {};
    for (;;) {
      skipOws();
      if (pos >= header.length || header.charAt(pos) === ',') break;
      if (header.charAt(pos) !== ';') fail("expected ';' or ','");
      pos++;
      skipOws();
      // Tolerate a trailing ';' before the end of the link.
      if (pos >= header.length || header.charAt(pos) === ',') break;
      const name = TOKEN.exec(header.slice(pos))?.[0];
      if (!name) fail('expected a parameter name');
      pos += name.length;
      skipOws();
      let value = '';
      if (header.charAt(pos) === '=') {
        pos++;
        skipOws();
        value = header.charAt(pos) === '"' ? readQuoted() : readBare();
      }
      const key = name.toLowerCase();
      if (!(key in params)) params[key] = value;
    }
    const rels = (params.rel ?? '').split(/[ \t]+/).filter(Boolean);
    links.push({ uri, params, rels: rels.map((rel) => rel.toLowerCase()) });
  }
  return links;

  function fail(why: string): never {
    throw new PaginationError(
      `malformed Link header (RFC 8288): ${why} at character ${pos} in ${JSON.stringify(header.slice(0, 200))}`,
      context,
    );
  }

  function skipOws(): void {
    while (pos < header.length && OWS.has(header.charAt(pos))) pos++;
  }

  function readQuoted(): string {
    let value = '';
    pos++;
    while (pos < header.length) {
      const ch = header.charAt(pos);
      if (ch === '"') {
        pos++;
        return value;
      }
      // quoted-pair (RFC 9110 §5.6.4): the backslash escapes the next character.
      if (ch === '\\') pos++;
      value += header.charAt(pos);
      pos++;
    }
    return fail('unbalanced quote');
  }

  function readBare(): string {
    const start = pos;
    while (pos < header.length && !VALUE_END.has(header.charAt(pos))) pos++;
    if (pos === start) fail('expected a parameter value');
    return header.slice(start, pos);
  }
}
