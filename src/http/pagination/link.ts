import { parseLinkHeader } from './link-header.js';
import { type Paginator, pageContext, resolveNextUrl } from './page.js';
import { requireName } from './validate.js';

interface LinkPaginatorOptions {
  /** The link relation to follow. @default 'next' */
  rel?: string;
}

/**
 * `paginate: { type: link }`: follow `Link: <…>; rel="next"` (RFC 8288, as GitHub and GitLab
 * send it) until no such link. Relative links resolve against the response URL.
 * @example linkPaginator({ rel: 'next' })
 */
export function linkPaginator(options: LinkPaginatorOptions = {}): Paginator {
  // Relation types compare case-insensitively (RFC 8288 §2.1.1).
  const rel = requireName(options.rel ?? 'next', 'rel').toLowerCase();
  return {
    first: (req) => req,
    next(page) {
      const header = page.headers.link;
      if (!header) return null;
      const link = parseLinkHeader(header, pageContext(page)).find((value) => value.rels.includes(rel));
      return link ? { ...page.request, url: resolveNextUrl(link.uri, page) } : null;
    },
  };
}
